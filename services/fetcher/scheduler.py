"""Scheduler: feeds that are due → FeedPollRequested, each feed queued at most once at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import structlog

from schemas import FeedPollRequested
from services.fetcher.leases import Leases, queued_key
from services.fetcher.poller import Publish, utcnow
from services.runtime.cancellation import stop_if_asked
from services.storage.feeds import FeedRegistry

log = structlog.get_logger("newsdesk.scheduler")


class Scheduler:
    """Any number of fetcher replicas run one; the queued lease keeps them from doubling up."""

    def __init__(
        self,
        registry: FeedRegistry,
        leases: Leases,
        publish: Publish,
        *,
        batch: int = 500,
        request_ttl_s: float = 900.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._registry = registry
        self._leases = leases
        self._publish = publish
        self._batch = batch
        self._request_ttl_s = request_ttl_s
        self._clock = clock

    async def tick(self) -> int:
        """Request a poll of every due feed not already queued; how many were requested."""
        requested = 0
        for feed in await self._registry.due(self._clock(), self._batch):
            # The lease outlives a lost request, so a feed is asked for again, never forgotten.
            if await self._leases.acquire(queued_key(feed.feed_id), self._request_ttl_s):
                event = FeedPollRequested(
                    feed_id=feed.feed_id, url=feed.url, due_at=feed.next_check,
                    producer="scheduler",
                )  # fmt: skip
                await self._publish(event)
                requested += 1
        if requested:
            log.info("feeds_due", requested=requested)
        return requested

    async def run(self, interval_s: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                # A loop, not a handler: one bad tick (database busy) must not end scheduling.
                log.exception("scheduler_tick_failed")
            stop_if_asked()
            await asyncio.sleep(interval_s)
