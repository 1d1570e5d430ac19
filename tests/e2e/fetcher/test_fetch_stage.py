"""The fetcher stage on real Redis, SQLite and loopback feeds: replicas, restarts, concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
from redis.asyncio import Redis

from schemas import EpisodeDiscovered
from services.fetcher.main import build_stage
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.feeds import FeedRegistry
from tests.e2e.fetcher.loopback_server import Loopback, reply

pytestmark = pytest.mark.e2e
FEEDS = 8


def feed_route(n: int) -> Callable[[BaseHTTPRequestHandler], None]:
    items = "".join(
        f"<item><title>Feed {n} story {i}</title><guid>f{n}-{i}</guid>"
        f"<pubDate>0{i + 1} May 2026 06:00:00 GMT</pubDate>"
        f"<description>Story {i} of feed {n}: the council met.</description></item>"
        for i in range(4)
    )
    body = f"<rss version='2.0'><channel><title>Feed {n}</title>{items}</channel></rss>".encode()
    return lambda h: reply(h, 200, body, {"Content-Type": "application/rss+xml"})


@pytest.fixture
async def registry(settings: Settings) -> AsyncIterator[FeedRegistry]:
    engine = create_engine(settings.effective_database_url)
    await migrate(engine)
    yield FeedRegistry(sessions(engine))
    await engine.dispose()


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 15.0) -> None:
    # Polling the database is the point: the state under test lives there.
    async with asyncio.timeout(timeout_s):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def all_polled_since(registry: FeedRegistry, moment: datetime) -> bool:
    feeds = await registry.all()
    return all(f.last_check and f.last_check.replace(tzinfo=UTC) > moment for f in feeds)


async def test_replicas_share_the_feeds_and_restarts_emit_nothing_twice(
    settings: Settings, redis_url: str, registry: FeedRegistry, loopback: Loopback
) -> None:
    for n in range(FEEDS):
        loopback.routes[f"/feed/{n}.xml"] = feed_route(n)
        await registry.add(loopback.url(f"/feed/{n}.xml"), now=datetime.now(UTC), backfill=3)
    replicas = [
        settings.model_copy(update={"consumer_name": name, "fetch_schedule_every_s": 0.05})
        for name in ("replica-a", "replica-b")
    ]
    client = Redis.from_url(redis_url)
    started = datetime.now(UTC)

    async def run_until_polled(since: datetime) -> None:
        hosts = [StageHost([build_stage(s, redis_url)], s, redis_url) for s in replicas]
        async with hosts[0], hosts[1]:
            await eventually(lambda: all_polled_since(registry, since))
            await asyncio.sleep(0.3)  # time for any stray duplicate poll to show up

    await run_until_polled(started)
    assert await client.xlen(EpisodeDiscovered.stream) == FEEDS * 3
    assert Counter(loopback.paths()) == {f"/feed/{n}.xml": 1 for n in range(FEEDS)}

    # Everything due again, fresh processes: each feed is polled once more, nothing re-emitted.
    for feed in await registry.all():
        await registry.update(feed.feed_id, next_check=datetime.now(UTC))
    again = datetime.now(UTC)
    await run_until_polled(again)
    assert await client.xlen(EpisodeDiscovered.stream) == FEEDS * 3
    assert Counter(loopback.paths()) == {f"/feed/{n}.xml": 2 for n in range(FEEDS)}
    await client.aclose()


async def test_one_replica_polls_several_feeds_at_once_within_the_host_limit(
    settings: Settings, redis_url: str, registry: FeedRegistry, loopback: Loopback
) -> None:
    def slow(n: int) -> Callable[[BaseHTTPRequestHandler], None]:
        route = feed_route(n)

        def handle(h: BaseHTTPRequestHandler) -> None:
            loopback.release.wait(0.3)
            route(h)

        return handle

    for n in range(FEEDS):
        loopback.routes[f"/slow/{n}.xml"] = slow(n)
        await registry.add(loopback.url(f"/slow/{n}.xml"), now=datetime.now(UTC))
    fast = settings.model_copy(
        update={"fetch_schedule_every_s": 0.05, "fetch_concurrency": 8, "fetch_per_host": 3}
    )
    started = datetime.now(UTC)
    async with StageHost([build_stage(fast, redis_url)], fast, redis_url):
        await eventually(lambda: all_polled_since(registry, started))
    assert loopback.peak == 3
