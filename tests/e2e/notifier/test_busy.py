"""The notifier's `busy` (what `demo`, `run --until-idle` and `replay` wait on) means work in
hand, not a drain loop that is merely polling."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

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
from tests.e2e.notifier.stories import signed_webhook, story
from tests.e2e.waiting import wait_for
from tests.workers.broker import in_memory

pytestmark = pytest.mark.e2e


async def samples(check: Callable[[], bool], count: int = 200) -> list[bool]:
    """`check()` looked at `count` times, a millisecond apart."""
    seen = []
    for _ in range(count):
        seen.append(check())
        await asyncio.sleep(0.001)
    return seen


async def test_a_polling_drain_loop_is_idle_and_a_woken_one_busy_until_it_has_sent(
    fast: Settings,
    repo: SubscriptionRepository,
    db: async_sessionmaker[AsyncSession],
    receivers: Callable[..., Receiver],
) -> None:
    hook = receivers()
    await signed_webhook(repo, hook, name="all")
    outbox = Outbox(db)
    async with httpx.AsyncHTTPTransport() as transport:
        sender = Sender(transport, timeout_s=5.0, allow_private=True, pacer=Pacer())
        dispatcher = Dispatcher(outbox, sender, RetryPolicy((1.0,)), linger_s=0.05)
        loop = asyncio.create_task(dispatcher.run_forever(interval_s=0.005))  # polls hard
        try:
            assert not any(await samples(dispatcher.busy)), "nothing due: not busy"
            async with in_memory(fast, build_router(fast, outbox, dispatcher)) as broker:
                await broker.publish(story(1), stream=StorySummarized.stream)
            assert dispatcher.busy(), "enqueued and woken: busy before the pass"
            await wait_for(lambda: len(hook.accepted()) == 1, within_s=10)
            await wait_for(lambda: not dispatcher.busy(), within_s=10)
            assert not any(await samples(dispatcher.busy)), "sent: idle again"
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
