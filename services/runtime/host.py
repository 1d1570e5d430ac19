"""Runs stages: one broker per stage (its own dead-letter name), groups ensured first."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.runtime.broker import build_broker
from services.runtime.groups import ensure_groups
from services.runtime.retention import check_retention, retention_loop
from services.runtime.settings import Settings
from services.runtime.stage import Stage

log = structlog.get_logger("newsdesk.host")


class StageHost:
    """Starts and stops a set of stages against one Redis; used by every entry point."""

    def __init__(self, stages: list[Stage], settings: Settings, redis_url: str) -> None:
        self.stages = stages
        self.settings = settings
        self.redis_url = redis_url
        self._brokers: list[RedisBroker] = []
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        check_retention(self.settings.stream_retention)
        client = Redis.from_url(self.redis_url)
        try:
            await ensure_groups(
                client, [(e.stream, s.group) for s in self.stages for e in s.consumes]
            )
        finally:
            await client.aclose()
        for stage in self.stages:
            for hook in stage.on_start:
                await hook()
            broker = build_broker(self.settings, self.redis_url, stage=stage.name)
            broker.include_router(stage.router)
            # FastStream starts subscribers before publishers: with a backlog, a handler
            # that publishes explicitly (the segmenter) would run before its publisher
            # has a producer. Publishers first, then everything.
            await broker.connect()
            for publisher in broker.publishers:
                await publisher.start()
            await broker.start()
            self._brokers.append(broker)
            self._loops += [asyncio.create_task(loop()) for loop in stage.loops]
            log.info("stage_started", stage=stage.name, consumer=self.settings.consumer_name)
        # Every host trims; XTRIM is idempotent, so several hosts on one Redis are harmless.
        self._loops.append(asyncio.create_task(retention_loop(self.redis_url, self.settings)))

    def busy(self) -> bool:
        """Whether a stage is still working on what it has acknowledged (see Stage.busy)."""
        return any(stage.busy() for stage in self.stages)

    async def stop(self) -> None:
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for broker in self._brokers:
            await broker.stop()
        for stage in self.stages:
            for hook in stage.on_stop:
                await hook()
        self._brokers.clear()
        self._loops.clear()

    async def __aenter__(self) -> StageHost:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
