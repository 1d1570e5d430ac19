"""The broker factory and the one way a stage subscribes: a reader plus a claimer per group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.redis.publisher.usecase import StreamPublisher

import services.runtime.faststream_fixes  # noqa: F401  (applied before any broker exists)
from schemas import DeadLettered, Event
from services.runtime.middleware import build_error_middleware
from services.runtime.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

#: FastStream's documented way to turn its per-message log off; our middleware logs instead.
NO_ACCESS_LOG: Any = None


def publishing_broker(url: str) -> RedisBroker:
    """A broker that only publishes (the CLI, tests, benchmarks)."""
    return RedisBroker(url, logger=NO_ACCESS_LOG)


def build_broker(settings: Settings, url: str, *, stage: str = "newsdesk") -> RedisBroker:
    """A broker whose every subscriber runs through the retry/dead-letter middleware."""
    broker = RedisBroker(url, logger=NO_ACCESS_LOG, graceful_timeout=15.0)

    async def dead_letter(letter: DeadLettered) -> None:
        await broker.publish(letter, stream=DeadLettered.stream, maxlen=settings.stream_maxlen)

    broker.add_middleware(build_error_middleware(stage, settings, dead_letter))
    return broker


def publisher_for(router: RedisRouter, event: type[Event], settings: Settings) -> StreamPublisher:
    """The publisher of one event type; its stream name comes from the class, never by hand."""
    return router.publisher(
        stream=StreamSub(event.stream, maxlen=settings.stream_maxlen),
        title=event.__name__,
        schema=event,
    )


def consume(
    router: RedisRouter,
    event: type[Event],
    *,
    group: str,
    settings: Settings,
    max_workers: int = 1,
) -> Callable[[F], F]:
    """Subscribe a handler twice in its group: new entries, and entries a dead consumer left.

    `max_workers` > 1 handles that many entries at once (I/O-bound stages such as the fetcher).
    """

    def reader(claim_idle_ms: int | None) -> Any:
        return router.subscriber(
            stream=StreamSub(
                event.stream,
                group=group,
                consumer=settings.consumer_name,
                # A claimer finds nothing most of the time: it looks a tenth as often as an
                # entry must wait to be claimed, not at every poll.
                polling_interval=max(settings.poll_interval_ms, (claim_idle_ms or 0) // 10),
                min_idle_time=claim_idle_ms,
                # Without a count one consumer takes a whole backlog into its pending list,
                # and replicas started to help (or by KEDA) would find nothing to share. A
                # consumer handling several at once reads as many as it will handle.
                max_records=max(settings.read_count, max_workers),
            ),
            title=f"{group}:{event.__name__}" + (":claim" if claim_idle_ms else ""),
            max_workers=max_workers,
        )

    def decorate(handler: F) -> F:
        return reader(None)(reader(settings.claim_idle_ms)(handler))  # type: ignore[no-any-return]

    return decorate
