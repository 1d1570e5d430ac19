"""Alerts on a real Redis to real loopback receivers: matched, signed, exactly once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.runtime.settings import Settings
from services.storage.outbox import Outbox
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.conftest import Running
from tests.e2e.notifier.receivers import Receiver
from tests.e2e.notifier.stories import signed_webhook, story, subscribe
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e

STORIES = [
    story(0, section=None, kind="ad", entities=("Anthropic",)),
    story(1, section="policy-and-safety", entities=("Anthropic",)),
    story(2, section="tools-and-apps", entities=("OpenAI",)),
    story(3, section="tools-and-apps", entities=("Anthropic", "Google")),
    story(4, section="policy-and-safety", entities=("European Union",)),
]


async def test_each_subscription_gets_exactly_its_stories_signed_and_never_twice(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    hook = receivers()
    slack = receivers()
    await signed_webhook(repo, hook, name="anthropic", rule={"entities": ["Anthropic"]})
    await subscribe(repo, name="policy", channel="slack", url=slack.url,
                    rule={"sections": ["policy-and-safety"]})  # fmt: skip
    async with notifier(fast) as publish:
        await publish(*STORIES)
        await wait_for(lambda: len(hook.accepted()) == 2 and len(slack.accepted()) == 2)
        await publish(*(s.with_replay() for s in STORIES))
        await publish(STORIES[1].with_replay(redeliver=True))
        await wait_for(lambda: len(hook.accepted()) == 3)
        await wait_for(lambda: len(slack.accepted()) == 3)
        await publish(*(s.with_replay() for s in STORIES))
        await wait_for(lambda: _settled(db))

    assert hook.answered() == [200, 200, 200]
    data = [r.json()["data"] for r in hook.accepted()]
    assert sorted(d["index"] for d in data) == [1, 1, 3]
    assert {d["subscription"] for d in data} == {"anthropic"}
    assert hook.accepted()[0].json()["type"] == "story.published"
    ids = [r.headers["webhook-id"] for r in hook.accepted()]
    assert len(set(ids)) == 2, "a redelivery keeps the message id, so receivers can dedupe"
    headers = [m.json()["blocks"][0]["text"]["text"] for m in slack.accepted()]
    assert sorted(headers) == ["Headline 1", "Headline 1", "Headline 4"]
    context = slack.accepted()[0].json()["blocks"][2]["elements"][0]["text"]
    assert "*AI News Hour*" in context
    assert "https://podcasts.example/ep/1#t=" in context


async def _settled(db: async_sessionmaker[AsyncSession]) -> bool:
    rows = await Outbox(db).deliveries()
    return bool(rows) and all(d.status == "delivered" for d, _ in rows)


async def test_receiver_down_then_up_gets_every_story_exactly_once(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
    notifier: Running,
) -> None:
    hook = receivers()
    await signed_webhook(repo, hook, name="all")
    hook.stop()
    outbox = Outbox(db)
    async with notifier(fast) as publish:
        await publish(*STORIES)
        await wait_for(lambda: _attempted(outbox, at_least=2))
        hook.start()
        await wait_for(lambda: _settled(db))
    ids = [r.headers["webhook-id"] for r in hook.accepted()]
    assert sorted(r.json()["data"]["index"] for r in hook.accepted()) == [1, 2, 3, 4]
    assert len(ids) == len(set(ids)) == 4
    (sub,) = await repo.all()
    assert sub.enabled and sub.consecutive_failures == 0
    for delivery, _ in await outbox.deliveries():
        log = await outbox.attempts(delivery.delivery_id)
        assert log[-1].outcome == "delivered"
        assert all(a.outcome == "failed" and "ConnectError" in (a.error or "") for a in log[:-1])


async def _attempted(outbox: Outbox, *, at_least: int) -> bool:
    return any(d.attempts >= at_least for d, _ in await outbox.deliveries())
