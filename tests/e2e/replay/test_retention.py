"""Retention on a real Redis: per-stream MAXLEN ~ and MINID ~, applied by every stage host."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from schemas import DeadLettered, SegmentDetected, StorySummarized
from services.runtime.host import StageHost
from services.runtime.retention import enforce_retention
from services.runtime.settings import Settings
from tests.e2e.replay.conftest import Cli, cli_json, eventually, has_length

pytestmark = pytest.mark.e2e

#: Redis trims `~` policies by whole macro-nodes of this many entries (its default).
NODE = 100


async def fill(client: Redis, stream: str, old: int, new: int) -> None:
    """`old` entries from 1970 (ids 1-0, 2-0, …), then `new` entries stamped now."""
    for i in range(1, old + 1):
        await client.xadd(stream, {"n": i}, id=f"{i}-0")
    for i in range(new):
        await client.xadd(stream, {"n": i})


async def test_each_stream_is_trimmed_to_its_own_policy(redis_url: str, settings: Settings) -> None:
    policies = {"segment-detected": "maxlen:100", "dead-letter": "minid:1d"}
    configured = settings.model_copy(update={"stream_retention": policies, "stream_maxlen": 10_000})
    client = Redis.from_url(redis_url)
    await fill(client, SegmentDetected.stream, old=0, new=5 * NODE)
    await fill(client, DeadLettered.stream, old=3 * NODE, new=5)
    await fill(client, StorySummarized.stream, old=3 * NODE, new=5)

    removed = await enforce_retention(client, configured)

    assert NODE <= await client.xlen(SegmentDetected.stream) < 2 * NODE
    assert await client.xlen(DeadLettered.stream) == 5
    assert await client.xlen(StorySummarized.stream) == 3 * NODE + 5
    assert removed[DeadLettered.stream] == 3 * NODE and removed[StorySummarized.stream] == 0
    await client.aclose()


async def test_a_stage_host_trims_at_start_and_refuses_a_bad_policy(
    redis_url: str, settings: Settings
) -> None:
    client = Redis.from_url(redis_url)
    await fill(client, DeadLettered.stream, old=2 * NODE, new=3)
    aged = settings.model_copy(update={"stream_retention": {"dead-letter": "7d"}})
    async with StageHost([], aged, redis_url):
        await eventually(lambda: has_length(client, DeadLettered.stream, 3))
    wrong = settings.model_copy(update={"stream_retention": {"dead-letter": "forever"}})
    with pytest.raises(ValueError, match="forever"):
        await StageHost([], wrong, redis_url).start()
    await client.aclose()


async def test_status_shows_each_streams_retention(cli: Cli, redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    await fill(client, DeadLettered.stream, old=0, new=1)
    await fill(client, SegmentDetected.stream, old=0, new=1)
    await client.aclose()

    status = cli_json(await cli("status", "--json"))

    retention = {s["stream"]: s["retention"] for s in status["streams"]}
    assert retention == {SegmentDetected.stream: "MAXLEN ~100000",
                         DeadLettered.stream: "MAXLEN ~100000"}  # fmt: skip
