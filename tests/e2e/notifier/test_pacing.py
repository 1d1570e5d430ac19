"""Slack pacing shared through a real Redis by two pacers, as two notifier replicas would."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from services.notifier.pacing import Pacer, pace_key, pacing_client
from services.runtime.embedded import EmbeddedRedis

pytestmark = pytest.mark.e2e

SLACK = "https://hooks.slack.example/services/T000/B000/secret-token"
OTHER = "https://hooks.slack.example/services/T000/B111/other-token"
INTERVAL = 0.2
ROUNDING = 0.005  # Redis expires keys to the millisecond


Turns = list[tuple[float, float]]


async def take(
    pacer: Pacer, url: str, turns: Turns, interval: float = INTERVAL, *, post_s: float = 0.02,
    retry_after: float = 0.0,
) -> None:  # fmt: skip
    """One message's turn: the POST takes `post_s`; (start, end) goes into `turns`."""
    async with pacer.turn(url, interval) as turn:
        start = time.monotonic()
        await asyncio.sleep(post_s)
        turn.hold(retry_after)
        turns.append((start, time.monotonic()))


def gaps(turns: Turns) -> list[float]:
    ordered = sorted(turns)
    return [b[0] - a[1] for a, b in itertools.pairwise(ordered)]


async def commands(admin: Redis) -> set[str]:
    """The commands Redis has run since its stats were reset."""
    stats = await admin.info("commandstats")
    return {name.removeprefix("cmdstat_").split("|")[0] for name in stats}


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[Pacer, Pacer]]:
    clients = [pacing_client(redis_url), pacing_client(redis_url)]
    yield Pacer(clients[0]), Pacer(clients[1])
    for client in clients:
        await client.aclose()


async def test_two_replicas_never_send_to_one_url_closer_than_the_interval(
    replicas: tuple[Pacer, Pacer],
) -> None:
    turns: Turns = []
    # Two senders in each replica too: they queue on the replica's lock, not on Redis.
    await asyncio.gather(
        *(take(pacer, SLACK, turns) for pacer in replicas for _ in range(2) for _ in range(2))
    )
    assert len(turns) == 8
    assert min(gaps(turns)) >= INTERVAL - ROUNDING
    assert max(gaps(turns)) < INTERVAL * 2.5, "a waiting replica is not stuck on the lease"


async def test_a_429_seen_by_one_replica_holds_the_other(replicas: tuple[Pacer, Pacer]) -> None:
    first, second = replicas
    held: Turns = []
    limited = asyncio.create_task(take(first, SLACK, held, post_s=0.05, retry_after=0.6))
    await asyncio.sleep(0.01)  # the other replica asks while the 429 is still in flight
    after: Turns = []
    await take(second, SLACK, after)
    await limited
    waited = after[0][0] - held[0][1]
    assert 0.6 - ROUNDING <= waited < 0.6 + INTERVAL + 0.1


async def test_different_urls_do_not_wait_on_each_other(replicas: tuple[Pacer, Pacer]) -> None:
    first, second = replicas
    turns: Turns = []
    await take(first, SLACK, turns, retry_after=5.0)
    started = time.monotonic()
    await take(second, OTHER, turns)
    await take(first, OTHER, turns)
    assert time.monotonic() - started < INTERVAL + 0.15


async def test_webhooks_interval_zero_never_ask_redis(
    replicas: tuple[Pacer, Pacer], redis_url: str
) -> None:
    admin = Redis.from_url(redis_url, decode_responses=True)
    await admin.config_resetstat()
    turns: Turns = []
    for pacer in replicas:
        await take(pacer, SLACK, turns, interval=0.0, retry_after=0.05)
        await take(pacer, SLACK, turns, interval=0.0)
    used = await commands(admin)
    await take(replicas[0], SLACK, turns)
    used_by_slack = await commands(admin)
    await admin.aclose()
    assert used <= {"config", "info"}, "only this test's own commands"
    assert used_by_slack - used, "a Slack turn does ask Redis (the measure sees it)"
    assert gaps(turns)[0] >= 0.05, "a webhook's own 429 still holds it, in this process"


async def test_without_redis_pacing_goes_local_once_then_shared_again(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, appendonly=False).start()
    client = pacing_client(server.url)
    pacer = Pacer(client, retry_shared_s=0.3)
    turns: Turns = []
    try:
        with capture_logs() as logs:
            await take(pacer, SLACK, turns)
            server.kill()
            for _ in range(3):
                await take(pacer, SLACK, turns)
            server = EmbeddedRedis(tmp_path, port=server.port, appendonly=False).start()
            await asyncio.sleep(0.3)  # Redis is asked again after `retry_shared_s`
            await take(pacer, SLACK, turns, retry_after=5.0)
            left_ms = await client.pttl(pace_key(SLACK))
    finally:
        await client.aclose()
        server.stop()
    assert min(gaps(turns)) >= INTERVAL - ROUNDING, "paced locally meanwhile"
    events = [line["event"] for line in logs]
    # Said once (its "slack_pacing_shared" is info, which another test's log level may hide).
    assert events.count("slack_pacing_local") == 1
    assert 4000 < left_ms <= 5000, "back to Redis, the 429 is shared again"
    assert SLACK not in str(logs)
