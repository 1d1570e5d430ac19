"""Notifier: StorySummarized → an outbox row per matching subscription, then delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import structlog
from faststream.redis import RedisRouter

from schemas import StorySummarized
from services.notifier.channels import post_webhook
from services.notifier.core import matches, next_attempt, story_payload
from services.runtime.broker import consume
from services.runtime.settings import Settings
from services.storage.outbox import Outbox

STAGE = "notifier"
log = structlog.get_logger("newsdesk.notifier")


class Dispatcher:
    """Sends what the outbox says is due; one attempt per row per drain."""

    def __init__(
        self, outbox: Outbox, client: httpx.AsyncClient, schedule: tuple[float, ...]
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.schedule = schedule
        self._lock = asyncio.Lock()

    async def drain(self) -> int:
        sent = 0
        async with self._lock:
            for delivery, subscription in await self.outbox.due():
                attempt = await post_webhook(
                    self.client,
                    subscription.url,
                    delivery.payload,
                    message_id=delivery.delivery_id,
                    secret=subscription.secret,
                )
                retry_at = None
                if not attempt.ok:
                    retry_at = next_attempt(delivery.attempts + 1, datetime.now(UTC), self.schedule)
                await self.outbox.record(
                    delivery,
                    ok=attempt.ok,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    next_attempt_at=retry_at,
                )
                log.info("delivery_attempted", delivery_id=delivery.delivery_id,
                         subscription=subscription.name, ok=attempt.ok,
                         status_code=attempt.status_code)  # fmt: skip
                sent += attempt.ok
        return sent

    async def run_forever(self, interval_s: float = 2.0) -> None:
        while True:
            await self.drain()
            await asyncio.sleep(interval_s)


def build_router(settings: Settings, outbox: Outbox, dispatcher: Dispatcher) -> RedisRouter:
    router = RedisRouter()

    @consume(router, StorySummarized, group=STAGE, settings=settings)
    async def on_story_summarized(e: StorySummarized) -> None:
        if e.segment.kind != "story":
            return
        wanted = [s.subscription_id for s in await outbox.active_subscriptions()
                  if matches(s.filters, e)]  # fmt: skip
        await outbox.enqueue(e.segment.segment_id, wanted, story_payload(e))
        await dispatcher.drain()

    return router
