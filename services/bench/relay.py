"""The bus alone: a FastStream relay against a bare redis-py XREADGROUP/XADD/XACK relay."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
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


Relay = Callable[[str, int, int], Awaitable[RelayRun]]


@dataclass(frozen=True)
class RelayComparison:
    """Alternating rounds of both relays, and how busy the machine was meanwhile."""

    faststream: list[RelayRun]
    bare: list[RelayRun]
    #: The highest one-minute load average seen before, between and after the rounds; above
    #: the machine's core count the rates say more about the neighbours than about the bus.
    load_average: float = 0.0

    @property
    def ratios(self) -> list[float]:
        """FastStream's rate over the bare relay's, round by round (the spread)."""
        pairs = zip(self.faststream, self.bare, strict=True)
        return [fast.per_second / bare.per_second for fast, bare in pairs]

    @property
    def median_faststream(self) -> RelayRun:
        return median_run(self.faststream)

    @property
    def median_bare(self) -> RelayRun:
        return median_run(self.bare)

    @property
    def ratio(self) -> float:
        """The median FastStream rate over the median bare rate: each median shrugs off the
        rounds a neighbour's burst of CPU slowed, whichever relay it hit."""
        return self.median_faststream.per_second / self.median_bare.per_second


def median_run(runs: list[RelayRun]) -> RelayRun:
    """The run with the median rate (the lower middle one of an even count)."""
    ranked = sorted(runs, key=lambda run: run.per_second)
    return ranked[(len(ranked) - 1) // 2]


def round_order(index: int) -> tuple[str, str]:
    """Who goes first in round `index`: alternating, so neither relay always runs warmer."""
    return ("faststream", "bare") if index % 2 == 0 else ("bare", "faststream")


async def compare_relays(
    url: str,
    count: int,
    size: int,
    *,
    rounds: int = 5,
    warmup: int = 200,
    relays: dict[str, Relay] | None = None,
) -> RelayComparison:
    """Both relays warmed up, then `rounds` rounds of `count` messages each, alternating which
    goes first. Meant for a Redis nothing else uses: idle workers polling it take CPU too."""
    relays = relays or {"faststream": faststream_relay, "bare": bare_relay}
    load = os.getloadavg()[0]
    for relay in relays.values():
        await relay(url, warmup, size)  # imports, connections, first-use caches: not timed
    runs: dict[str, list[RelayRun]] = {name: [] for name in relays}
    for index in range(rounds):
        for name in round_order(index):
            runs[name].append(await relays[name](url, count, size))
        load = max(load, os.getloadavg()[0])
    return RelayComparison(faststream=runs["faststream"], bare=runs["bare"], load_average=load)
