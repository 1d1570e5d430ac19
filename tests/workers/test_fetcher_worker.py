"""Fetcher worker on the in-memory broker, a real SQLite registry and a scripted fetch."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from faststream.redis import RedisRouter

from schemas import EpisodeDiscovered, FeedFailing, FeedPollRequested
from services.fetcher.http import FetchResult
from services.fetcher.leases import polling_key, queued_key
from services.fetcher.poller import PollConfig
from services.fetcher.scheduler import Scheduler
from services.fetcher.worker import build_router
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.feeds import FeedRegistry
from services.storage.models import Feed
from tests.workers.broker import in_memory

URL = "https://news.example/feed.xml"


def rss(*items: tuple[str, int], ttl: str = "") -> bytes:
    """A feed of (guid, day-of-May) items with audio."""
    body = "".join(
        f"<item><title>Episode {guid}</title><guid>{guid}</guid>"
        f"<pubDate>{day:02d} May 2026 06:00:00 GMT</pubDate>"
        f"<enclosure url='https://cdn.example/{guid}.mp3' type='audio/mpeg' length='1'/></item>"
        for guid, day in items
    )
    return f"<rss version='2.0'><channel><title>Wire</title>{ttl}{body}</channel></rss>".encode()


@dataclass
class MemoryLeases:
    held: dict[str, tuple[str, float]] = field(default_factory=dict)

    async def acquire(self, key: str, ttl_s: float) -> str | None:
        current = self.held.get(key)
        if current and current[1] > time.monotonic():
            return None
        token = f"t{len(self.held)}-{time.monotonic()}"
        self.held[key] = (token, time.monotonic() + ttl_s)
        return token

    async def release(self, key: str, token: str | None = None) -> None:
        if token is None or self.held.get(key, ("", 0))[0] == token:
            self.held.pop(key, None)


@dataclass
class ScriptedFetch:
    """Answers polls from a list, then repeats the last answer; records what it was sent."""

    answers: list[FetchResult]
    sent: list[tuple[str, str | None]] = field(default_factory=list)

    async def __call__(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        self.sent.append((url, etag))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def fetched(body: bytes, url: str = URL, etag: str = '"v1"') -> FetchResult:
    return FetchResult("fetched", url, 200, body, {"etag": etag})


@pytest.fixture
async def registry(settings: Settings) -> AsyncIterator[FeedRegistry]:
    engine = create_engine(settings.effective_database_url)
    await migrate(engine)
    yield FeedRegistry(sessions(engine))
    await engine.dispose()


@dataclass
class Harness:
    settings: Settings
    registry: FeedRegistry
    leases: MemoryLeases = field(default_factory=MemoryLeases)
    discovered: list[EpisodeDiscovered] = field(default_factory=list)
    failing: list[FeedFailing] = field(default_factory=list)

    def router(self, fetch: ScriptedFetch) -> RedisRouter:
        router = build_router(self.settings, self.registry, fetch, self.leases, PollConfig())

        @router.subscriber(stream=EpisodeDiscovered.stream)
        async def on_discovered(e: EpisodeDiscovered) -> None:
            self.discovered.append(e)

        @router.subscriber(stream=FeedFailing.stream)
        async def on_failing(e: FeedFailing) -> None:
            self.failing.append(e)

        return router

    async def poll(self, fetch: ScriptedFetch, feed_id: str, times: int = 1) -> None:
        # A fresh router each call: a restarted (or another) replica, with no memory but the store.
        async with in_memory(self.settings, self.router(fetch)) as broker:
            for _ in range(times):
                await broker.publish(
                    FeedPollRequested(feed_id=feed_id, url=URL), stream=FeedPollRequested.stream
                )


@pytest.fixture
async def harness(settings: Settings, registry: FeedRegistry) -> Harness:
    return Harness(settings, registry)


async def add_feed(registry: FeedRegistry, backfill: int = 3) -> Feed:
    feed, _ = await registry.add(URL, now=datetime.now(UTC), backfill=backfill, taxonomy="t1")
    return feed


async def test_first_poll_emits_the_newest_few_and_remembers_the_rest(harness: Harness) -> None:
    feed = await add_feed(harness.registry, backfill=3)
    items = [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    await harness.poll(ScriptedFetch([fetched(rss(*items))]), feed.feed_id)
    assert [e.episode.title for e in harness.discovered] == ["Episode e", "Episode d", "Episode c"]
    first = harness.discovered[0]
    assert first.audio_url == "https://cdn.example/e.mp3"
    assert (first.episode.feed_id, first.episode.taxonomy) == (feed.feed_id, "t1")
    assert first.episode.podcast == "Wire"
    assert (await harness.registry.episode_counts())[feed.feed_id] == 5
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and stored.etag == '"v1"' and stored.title == "Wire"
    assert stored.status == "active" and stored.consecutive_errors == 0
    assert stored.next_check is not None and stored.last_check is not None
    assert stored.next_check > stored.last_check


async def test_re_polls_emit_only_new_episodes_across_restarts(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    await harness.poll(ScriptedFetch([fetched(rss(("a", 1), ("b", 2)))]), feed.feed_id)
    assert len(harness.discovered) == 2
    # Unchanged, then re-ordered with one new item; each poll from a "new process".
    await harness.poll(ScriptedFetch([fetched(rss(("a", 1), ("b", 2)))]), feed.feed_id)
    await harness.poll(ScriptedFetch([fetched(rss(("c", 3), ("b", 2), ("a", 1)))]), feed.feed_id)
    assert [e.episode.title for e in harness.discovered] == [
        "Episode b", "Episode a", "Episode c"]  # fmt: skip
    assert len({e.correlation_id for e in harness.discovered}) == 3


async def test_304_sends_the_stored_validator_and_emits_nothing(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    fetch = ScriptedFetch([fetched(rss(("a", 1))), FetchResult("not_modified", URL, 304)])
    await harness.poll(fetch, feed.feed_id, times=2)
    assert fetch.sent == [(URL, None), (URL, '"v1"')]
    assert len(harness.discovered) == 1


async def test_failures_mark_the_feed_failing_once_and_a_success_clears_it(
    harness: Harness,
) -> None:
    feed = await add_feed(harness.registry)
    down = FetchResult("failed", URL, 503, error="HTTP 503", retry_after_s=7200)
    await harness.poll(ScriptedFetch([down]), feed.feed_id, times=4)
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and stored.status == "failing"
    assert (stored.consecutive_errors, stored.last_error) == (4, "HTTP 503")
    assert stored.next_check is not None and stored.last_check is not None
    assert stored.next_check - stored.last_check >= timedelta(hours=2)
    assert [(f.reason, f.consecutive_errors) for f in harness.failing] == [("HTTP 503", 3)]
    await harness.poll(ScriptedFetch([fetched(rss(("a", 1)))]), feed.feed_id)
    healed = await harness.registry.get(feed.feed_id)
    assert healed is not None and (healed.status, healed.consecutive_errors) == ("active", 0)
    assert healed.last_error is None


async def test_a_feed_that_is_not_a_feed_fails_with_its_reason(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    page = fetched(b"<html><body>Hello</body></html>")
    await harness.poll(ScriptedFetch([page]), feed.feed_id)
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and stored.last_error is not None
    assert stored.last_error.startswith("not a feed")


async def test_410_stops_polling_and_alerts(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    fetch = ScriptedFetch([FetchResult("gone", URL, 410)])
    await harness.poll(fetch, feed.feed_id, times=2)
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and (stored.status, stored.next_check) == ("gone", None)
    assert len(fetch.sent) == 1
    assert len(harness.failing) == 1 and "410" in harness.failing[0].reason


async def test_a_permanent_redirect_moves_the_feed_but_keeps_its_id(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    new_url = "https://news.example/new-feed.xml"
    await harness.poll(ScriptedFetch([fetched(rss(("a", 1)), url=new_url)]), feed.feed_id)
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and stored.url == new_url
    assert harness.discovered[0].episode.feed_id == feed.feed_id


async def test_a_blocked_feed_is_polled_but_not_ingested(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    blocked = rss(("a", 1)).replace(
        b"<channel>",
        b"<channel><podcast:block xmlns:podcast='https://podcastindex.org/namespace/1.0'>"
        b"yes</podcast:block>",
    )
    await harness.poll(ScriptedFetch([fetched(blocked)]), feed.feed_id)
    stored = await harness.registry.get(feed.feed_id)
    assert stored is not None and stored.status == "blocked"
    assert harness.discovered == []


async def test_a_feed_being_polled_elsewhere_is_left_alone(harness: Harness) -> None:
    feed = await add_feed(harness.registry)
    await harness.leases.acquire(polling_key(feed.feed_id), 60)
    fetch = ScriptedFetch([fetched(rss(("a", 1)))])
    await harness.poll(fetch, feed.feed_id)
    assert fetch.sent == [] and harness.discovered == []


async def test_the_scheduler_requests_each_due_feed_once_until_it_is_polled(
    harness: Harness,
) -> None:
    feed = await add_feed(harness.registry)
    requested: list[FeedPollRequested] = []

    async def publish(event: object) -> None:
        assert isinstance(event, FeedPollRequested)
        requested.append(event)

    scheduler = Scheduler(harness.registry, harness.leases, publish)
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0
    assert requested[0].feed_id == feed.feed_id and requested[0].due_at is not None
    fetch = ScriptedFetch([fetched(rss(("a", 1)))])
    async with in_memory(harness.settings, harness.router(fetch)) as broker:
        for _ in range(2):  # the same request delivered twice
            await broker.publish(requested[0], stream=FeedPollRequested.stream)
    assert len(fetch.sent) == 1
    assert queued_key(feed.feed_id) not in harness.leases.held
    assert await scheduler.tick() == 0  # polled: not due again until its next check
