"""A Slack-like receiver: 429 with Retry-After, 400/404/410 with Slack's error bodies."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.runtime.settings import Settings
from services.storage.outbox import Outbox
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.conftest import Running
from tests.e2e.notifier.receivers import Receiver, Reply
from tests.e2e.notifier.stories import story, subscribe, wait_for

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
