"""A poison event that fails its handler every time is dead-lettered after the delivery cap.

No real worker fails that way on purpose (the fault suite found two that did, and they now
raise PermanentError), so a stand-in stage does: the reader takes the entry, the handler
raises a bug, and the claimer hands it back until Redis has delivered it past the cap.
"""

from __future__ import annotations

import asyncio

import pytest
from faststream.redis import RedisRouter
from redis.asyncio import Redis

from schemas import DeadLettered, EpisodeDiscovered, EpisodeInfo
from services.cli.sources import publish_events
from services.runtime.broker import consume
from services.runtime.entries import read_range
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.runtime.stage import Stage

pytestmark = pytest.mark.e2e


def buggy_stage(name: str, event: type[EpisodeDiscovered], settings: Settings) -> Stage:
    router = RedisRouter()

    @consume(router, event, group=name, settings=settings)
    async def on_event(e: EpisodeDiscovered) -> None:
        raise RuntimeError(f"a bug in {name}")

    return Stage(name, router, (event,))


async def test_an_entry_that_always_fails_is_dead_lettered_after_the_cap(
    redis_url: str, settings: Settings
) -> None:
    capped = settings.model_copy(update={"claim_idle_ms": 200, "max_deliveries": 3})
    client = Redis.from_url(redis_url)
    async with StageHost([buggy_stage("buggy", EpisodeDiscovered, capped)], capped, redis_url):
        event = EpisodeDiscovered(episode=EpisodeInfo(episode_id="poison"), text="boom")
        await publish_events(redis_url, capped, [event])
        for _ in range(100):
            if await client.xlen(DeadLettered.stream):
                break
            await asyncio.sleep(0.1)
    letters = [e async for e in read_range(client, DeadLettered.stream)]
    pending = await client.xpending(EpisodeDiscovered.stream, "buggy")
    await client.aclose()
    assert [x.get("error_type") for x in letters] == ["DeliveryLimitExceeded"]
    assert letters[0].get("delivery_count") == capped.max_deliveries + 1
    assert pending["pending"] == 0
