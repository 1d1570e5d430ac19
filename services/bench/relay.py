"""The bus alone: a FastStream relay against a bare redis-py XREADGROUP/XADD/XACK relay."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from faststream.redis import RedisRouter, StreamSub
from redis.asyncio import Redis

from services.runtime.broker import build_broker, publishing_broker
from services.runtime.settings import Settings

SOURCE, TARGET, GROUP = "bench.relay.in", "bench.relay.out", "relay"


@dataclass(frozen=True)
class RelayRun:
    messages: int
    seconds: float
    cpu_s: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_per_message_s(self) -> float:
        return self.cpu_s / self.messages


def payload(size: int) -> dict[str, Any]:
    """A body about as big as a segment event."""
    return {"event_type": "BenchRelayed", "text": "x" * size}


async def _fill(url: str, count: int, size: int) -> None:
    client = Redis.from_url(url)
    await client.delete(SOURCE, TARGET)
    await client.xgroup_create(SOURCE, GROUP, id="0", mkstream=True)
    await client.aclose()
    async with publishing_broker(url) as broker:
        body = payload(size)
        for _ in range(count):
            await broker.publish(body, stream=SOURCE)


async def faststream_relay(url: str, count: int, size: int) -> RelayRun:
    """FastStream with newsdesk's middleware: consume, validate, publish, ack."""
    await _fill(url, count, size)
    settings = Settings(consumer_name="bench-relay", log_level="WARNING")
    broker = build_broker(settings, url, stage="bench")
    router = RedisRouter()
    relayed, done = 0, asyncio.Event()

    @router.subscriber(
        stream=StreamSub(SOURCE, group=GROUP, consumer="fs", max_records=settings.read_count)
    )
    @router.publisher(stream=TARGET)
    async def relay(body: dict[str, Any]) -> dict[str, Any]:
        nonlocal relayed
        relayed += 1
        if relayed == count:
            done.set()
        return body

    broker.include_router(router)
    wall, cpu = time.perf_counter(), time.process_time()
    await broker.start()
    await done.wait()
    run = RelayRun(count, time.perf_counter() - wall, time.process_time() - cpu)
    await broker.stop()
    return run


async def bare_relay(url: str, count: int, size: int) -> RelayRun:
    """The floor: redis-py reading one entry at a time, re-adding and acknowledging it."""
    await _fill(url, count, size)
    client = Redis.from_url(url)
    wall, cpu = time.perf_counter(), time.process_time()
    moved = 0
    while moved < count:
        reply: Any = await client.xreadgroup(GROUP, "bare", {SOURCE: ">"}, count=1, block=100)
        for _stream, rows in reply or []:
            for entry_id, fields in rows:
                await client.xadd(TARGET, fields)
                await client.xack(SOURCE, GROUP, entry_id)
                moved += 1
    run = RelayRun(count, time.perf_counter() - wall, time.process_time() - cpu)
    await client.delete(SOURCE, TARGET)
    await client.aclose()
    return run
