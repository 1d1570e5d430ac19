"""In-memory broker tests: one stage's router on FastStream's TestRedisBroker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream.redis import RedisBroker, RedisRouter, TestRedisBroker

from services.runtime.broker import build_broker
from services.runtime.settings import Settings


@asynccontextmanager
async def in_memory(
    settings: Settings, router: RedisRouter, stage: str = "test"
) -> AsyncIterator[RedisBroker]:
    broker = build_broker(settings, "redis://in-memory", stage=stage)
    broker.include_router(router)
    async with TestRedisBroker(broker) as test_broker:
        yield test_broker
