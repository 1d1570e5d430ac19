"""Polling one feed: fetch → parse → dedup against the store → new episodes and the feed's state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog

from schemas import EpisodeDiscovered, Event, FeedFailing, FeedPollRequested
from services.fetcher.core import EpisodeCandidate, ParsedFeed, episode_discovered, parse_feed
from services.fetcher.http import FetchResult
from services.fetcher.schedule import (
    Bounds,
    Signals,
    next_check,
    next_check_after_failure,
    parse_max_age,
)
from services.storage.feeds import FeedRegistry, Seen
from services.storage.models import Feed

PRODUCER = "fetcher"
log = structlog.get_logger("newsdesk.fetcher")


class Fetch(Protocol):
    async def __call__(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...


Publish = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class PollConfig:
    bounds: Bounds = field(default_factory=Bounds)
    failure_threshold: int = 3
    #: How long one poll may hold its feed; past it, another replica may take over.
    lease_s: float = 300.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class Poller:
    """Everything one FeedPollRequested causes; dedup lives in the store, not in memory."""

    def __init__(
        self,
        registry: FeedRegistry,
        fetch: Fetch,
        publish: Publish,
        config: PollConfig,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._registry = registry
        self._fetch = fetch
        self._publish = publish
        self._config = config
        self._clock = clock

    async def poll(self, request: FeedPollRequested) -> None:
        feed = await self._registry.get(request.feed_id)
        if feed is None or feed.status == "gone":
            log.info("feed_poll_skipped", feed_id=request.feed_id, reason="unknown or gone")
            return
        if _already_polled(feed, request):
            log.info("feed_poll_skipped", feed_id=feed.feed_id, reason="polled since requested")
            return
        result = await self._fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.outcome == "failed":
            await self._failed(feed, result.error or "unknown error", request, result.retry_after_s)
        elif result.outcome == "gone":
            await self._gone(feed, request)
        elif result.outcome == "not_modified":
            await self._succeeded(feed, result, ParsedFeed(), emitted=0)
        else:
            await self._fetched(feed, result, request)

    async def _fetched(self, feed: Feed, result: FetchResult, request: FeedPollRequested) -> None:
        parsed = await asyncio.to_thread(parse_feed, result.body, result.headers, feed.feed_id)
        for warning in parsed.warnings:
            log.warning("feed_warning", feed_id=feed.feed_id, warning=warning)
        if parsed.failure and not parsed.blocked:
            await self._failed(feed, parsed.failure, request, None)
            return
        emitted = await self._emit_new(feed, parsed, request)
        await self._succeeded(feed, result, parsed, emitted)

    async def _emit_new(self, feed: Feed, parsed: ParsedFeed, request: FeedPollRequested) -> int:
        """Publish episodes the store has not seen, then record them; at-least-once, so a crash
        in between re-emits (harmless downstream) rather than loses."""
        candidates = list(parsed.episodes)
        known = await self._registry.seen(feed.feed_id, (c.episode_id for c in candidates))
        new = [c for c in candidates if c.episode_id not in known]
        # On the first poll only the newest few go out; the back catalogue is marked as seen.
        first_poll = not known and not await self._registry.has_history(feed.feed_id)
        chosen = new[: feed.backfill] if first_poll else new
        for candidate in chosen:
            await self._publish(self._discovered(feed, parsed, candidate, request))
        chosen_ids = {c.episode_id for c in chosen}
        await self._registry.mark_seen(
            feed.feed_id, [Seen(c.episode_id, c.title, c.episode_id in chosen_ids) for c in new]
        )
        return len(chosen)

    def _discovered(
        self,
        feed: Feed,
        parsed: ParsedFeed,
        candidate: EpisodeCandidate,
        request: FeedPollRequested,
    ) -> EpisodeDiscovered:
        # Each episode starts its own trace; the poll that found it is its cause.
        envelope: dict[str, Any] = {"causation_id": request.event_id, "producer": PRODUCER}
        envelope["replay"] = request.replay
        return episode_discovered(
            candidate,
            podcast=feed.name or parsed.title or feed.title or "",
            feed_id=feed.feed_id,
            taxonomy=feed.taxonomy,
            envelope=envelope,
        )

    async def _succeeded(
        self, feed: Feed, result: FetchResult, parsed: ParsedFeed, emitted: int
    ) -> None:
        now = self._clock()
        signals = Signals(
            ttl_minutes=parsed.ttl_minutes,
            max_age_s=parse_max_age(result.headers.get("cache-control")),
            published=parsed.published_times,
            previous_interval=_previous_interval(feed),
        )
        changes: dict[str, Any] = {
            "status": "blocked" if parsed.blocked else "active",
            "last_check": now,
            "next_check": next_check(now, signals, self._config.bounds, feed.feed_id),
            "consecutive_errors": 0,
            "last_error": parsed.failure if parsed.blocked else None,
        }
        if result.outcome == "fetched":
            changes |= {"etag": result.headers.get("etag"),
                        "last_modified": result.headers.get("last-modified")}  # fmt: skip
            changes |= {"title": parsed.title} if parsed.title else {}
        changes |= await self._moved(feed, result.url)
        await self._registry.update(feed.feed_id, **changes)
        log.info("feed_polled", feed_id=feed.feed_id, outcome=result.outcome, emitted=emitted)

    async def _moved(self, feed: Feed, url: str) -> dict[str, Any]:
        if url == feed.url:
            return {}
        if await self._registry.url_taken(url, feed.feed_id):
            log.warning("feed_moved_onto_another", feed_id=feed.feed_id, url=url)
            return {}
        log.info("feed_moved", feed_id=feed.feed_id, old=feed.url, new=url)
        return {"url": url}

    async def _failed(
        self,
        feed: Feed,
        reason: str,
        request: FeedPollRequested,
        retry_after_s: float | None,
    ) -> None:
        now = self._clock()
        errors = feed.consecutive_errors + 1
        failing = errors >= self._config.failure_threshold
        await self._registry.update(
            feed.feed_id,
            status="failing" if failing else feed.status,
            last_check=now,
            next_check=next_check_after_failure(
                now, errors, self._config.bounds, retry_after_s, feed.feed_id
            ),
            consecutive_errors=errors,
            last_error=reason,
        )
        log.warning("feed_poll_failed", feed_id=feed.feed_id, errors=errors, reason=reason)
        # Alert once per streak, when it crosses the threshold, not on every failed poll.
        if errors == self._config.failure_threshold:
            await self._publish(_failing(feed, reason, errors, request))

    async def _gone(self, feed: Feed, request: FeedPollRequested) -> None:
        reason = "the server says the feed is gone (HTTP 410); polling stopped"
        now = self._clock()
        await self._registry.update(
            feed.feed_id, status="gone", last_check=now, next_check=None, last_error=reason
        )
        await self._publish(_failing(feed, reason, feed.consecutive_errors + 1, request))


def _failing(feed: Feed, reason: str, errors: int, request: FeedPollRequested) -> FeedFailing:
    return FeedFailing(
        feed_id=feed.feed_id,
        url=feed.url,
        reason=reason,
        consecutive_errors=errors,
        **request.caused(PRODUCER),
    )


def _already_polled(feed: Feed, request: FeedPollRequested) -> bool:
    """A request made for a check that has since happened (a duplicate, or a late one)."""
    if request.due_at is None or feed.next_check is None:
        return False
    return abs(_aware(feed.next_check) - _aware(request.due_at)) > timedelta(seconds=1)


def _previous_interval(feed: Feed) -> timedelta | None:
    if feed.last_check is None or feed.next_check is None:
        return None
    interval = _aware(feed.next_check) - _aware(feed.last_check)
    return interval if interval > timedelta(0) else None


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
