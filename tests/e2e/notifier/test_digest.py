"""A daily digest: stories matched during the day go out together at HH:MM in its zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import StorySummarized
from services.notifier.channels import Sender
from services.notifier.dispatch import Dispatcher
from services.notifier.pacing import Pacer
from services.notifier.policy import RetryPolicy
from services.notifier.worker import build_router
from services.runtime.settings import Settings
from services.storage.outbox import Outbox
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.receivers import Receiver
from tests.e2e.notifier.stories import signed_webhook, story, subscribe
from tests.workers.broker import in_memory

pytestmark = pytest.mark.e2e


async def test_digest_waits_for_its_time_then_sends_one_message_per_channel(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
) -> None:
    hook, slack = receivers(), receivers()
    daily = {"cadence": "digest", "digest_time": "08:00", "timezone": "Europe/Berlin"}
    await signed_webhook(repo, hook, name="morning", **daily)
    await subscribe(repo, name="morning-slack", channel="slack", url=slack.url, **daily)
    now = [datetime(2026, 11, 27, 6, 0, tzinfo=UTC)]  # 07:00 in Berlin
    outbox = Outbox(db)
    async with httpx.AsyncHTTPTransport() as transport:
        sender = Sender(transport, timeout_s=5.0, allow_private=True, pacer=Pacer())
        dispatcher = Dispatcher(outbox, sender, RetryPolicy((1.0,)), clock=lambda: now[0])
        router = build_router(fast, outbox, dispatcher, clock=lambda: now[0])
        async with in_memory(fast, router) as broker:
            for event in (story(1), story(2), story(3, kind="outro")):
                await broker.publish(event, stream=StorySummarized.stream)
        assert hook.requests == [] and slack.requests == []
        now[0] += timedelta(minutes=59)
        assert await dispatcher.drain() == 0
        now[0] += timedelta(minutes=1, seconds=1)
        assert await dispatcher.drain() == 4
        assert await dispatcher.drain() == 0
    (message,) = [r.json() for r in hook.accepted()]
    assert message["type"] == "digest.published"
    assert [s["index"] for s in message["data"]["stories"]] == [1, 2]
    (posted,) = [r.json() for r in slack.accepted()]
    assert posted["blocks"][0]["text"]["text"] == "morning-slack: 2 stories"
    assert len(posted["blocks"]) == 5
