"""A Slack-like receiver: 429 with Retry-After, 400/404/410 with Slack's error bodies; two
notifiers sharing one webhook's pace."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifier.channels import Sender
from services.notifier.core import story_payload
from services.notifier.dispatch import Dispatcher
from services.notifier.pacing import Pacer, pacing_client
from services.notifier.policy import RetryPolicy
from services.notifier.spec import subscription_id
from services.runtime.settings import Settings
from services.storage.outbox import Outbox, Pending, utcnow
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.conftest import Running
from tests.e2e.notifier.receivers import Receiver, Reply
from tests.e2e.notifier.stories import story, subscribe
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e


async def test_rate_limit_is_honoured_and_messages_are_paced_one_per_second(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    slack = receivers().then(Reply(429, "rate_limited", (("Retry-After", "2"),)))
    await subscribe(repo, name="slack", channel="slack", url=slack.url)
    async with notifier(fast) as publish:
        await publish(story(1), story(2), story(3))
        await wait_for(lambda: len(slack.accepted()) == 3)
    times = [r.at for r in slack.requests]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert slack.answered() == [429, 200, 200, 200]
    assert gaps[0] >= 1.95, "Retry-After: 2 was honoured"
    assert min(gaps) >= 0.95, "at most one message per second per webhook"
    rows = await Outbox(db).deliveries()
    assert all(d.status == "delivered" for d, _ in rows)
    (limited,) = [d for d, _ in rows if d.attempts == 2]
    assert limited.failures == 0, "a 429 does not use up the retry schedule"
    first = (await Outbox(db).attempts(limited.delivery_id))[0]
    assert (first.outcome, first.status_code, first.error) == (
        "rate_limited", 429, "HTTP 429: rate_limited"
    )  # fmt: skip


async def test_two_notifiers_share_a_webhooks_pace_and_its_rate_limit(
    redis_url: str,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
) -> None:
    interval = 0.2
    slack = receivers().then(Reply(), Reply(429, "rate_limited", (("Retry-After", "1"),)))
    for name in ("first", "second"):  # two subscriptions posting to one channel
        await subscribe(repo, name=name, channel="slack", url=slack.url)
    outbox = Outbox(db)

    async def enqueue(name: str, *indexes: int) -> None:
        due = {subscription_id(name): utcnow()}
        stories = [story(i) for i in indexes]
        await outbox.enqueue_many(
            [Pending(e.segment.segment_id, due, story_payload(e)) for e in stories]
        )

    async with contextlib.AsyncExitStack() as replicas:
        dispatchers = []
        for _ in range(2):  # each with its own HTTP transport, Redis client and pacer
            transport = await replicas.enter_async_context(httpx.AsyncHTTPTransport())
            client = pacing_client(redis_url)
            replicas.push_async_callback(client.aclose)
            sender = Sender(transport, timeout_s=5.0, allow_private=True,
                            slack_interval_s=interval, pacer=Pacer(client))  # fmt: skip
            dispatchers.append(Dispatcher(outbox, sender, RetryPolicy((0.3,) * 6)))
        await enqueue("first", 1, 2, 3)
        loops = [asyncio.create_task(dispatchers[0].run_forever(0.05))]
        await wait_for(lambda: len(slack.requests) == 1)
        # The first notifier is in the middle of its pass: the second takes the new ones.
        await enqueue("second", 4, 5, 6)
        loops.append(asyncio.create_task(dispatchers[1].run_forever(0.05)))
        await wait_for(lambda: len(slack.accepted()) == 6)
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
    assert slack.answered() == [200, 429, 200, 200, 200, 200, 200]
    gaps = [b.at - a.at for a, b in itertools.pairwise(slack.requests)]
    assert gaps[1] >= 0.95, "Retry-After: 1 held both notifiers"
    assert min(gaps) >= interval - 0.01, "one message per interval from both together"
    delivered = [s.name for d, s in await outbox.deliveries() if d.status == "delivered"]
    assert sorted(delivered) == ["first"] * 3 + ["second"] * 3


async def test_slack_errors_are_recorded_and_dead_webhooks_disabled(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    answers = {
        "invalid": Reply(400, "invalid_payload"),
        "missing": Reply(404, "channel_not_found"),
        "archived": Reply(410, "channel_is_archived"),
    }
    for name, reply in answers.items():
        await subscribe(repo, name=name, channel="slack", url=receivers().then(reply).url)
    async with notifier(fast) as publish:
        await publish(story(1))
        await wait_for(lambda: _all_attempted(db, 3))
        await publish(story(2))
        await wait_for(lambda: _all_attempted(db, 4))
    subs = {s.name: s for s in await repo.all()}
    assert subs["invalid"].enabled, "a rejected message says nothing about the webhook"
    assert not subs["missing"].enabled
    assert subs["missing"].disabled_reason == "gone: HTTP 404: channel_not_found"
    assert not subs["archived"].enabled
    assert subs["archived"].disabled_reason == "gone: HTTP 410: channel_is_archived"
    by_sub = {(s.name, d.story_id): d for d, s in await Outbox(db).deliveries()}
    rejected = by_sub["invalid", story(1).segment.segment_id]
    assert (rejected.status, rejected.last_status_code) == ("failed", 400)
    assert rejected.last_error == "HTTP 400: invalid_payload"
    held = by_sub["missing", story(1).segment.segment_id]
    assert held.status == "pending", "kept for when the subscription is resumed"
    assert ("missing", story(2).segment.segment_id) not in by_sub, "disabled: no new deliveries"


async def _all_attempted(db: async_sessionmaker[AsyncSession], n: int) -> bool:
    rows = await Outbox(db).deliveries()
    return sum(d.attempts for d, _ in rows) >= n
