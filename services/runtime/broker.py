"""The broker factory and the one way a stage subscribes: a reader plus a claimer per group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.redis.publisher.usecase import StreamPublisher
from pydantic import ValidationError

import services.runtime.faststream_fixes  # noqa: F401  (applied before any broker exists)
from schemas import DeadLettered, Event
from services.runtime.errors import EntriesRejected
from services.runtime.messages import decode_batch, parse_batch
from services.runtime.middleware import PERMANENT_ERRORS, build_error_middleware
from services.runtime.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
E = TypeVar("E", bound=Event)
BatchHandler = Callable[[Sequence[E]], Awaitable[None]]

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


def _subscriber(
    router: RedisRouter,
    event: type[Event],
    group: str,
    settings: Settings,
    *,
    claim: bool = False,
    max_records: int = 1,
    batch: bool = False,
    max_workers: int = 1,
) -> Any:
    """One subscription in `group`: a reader of new entries, or (`claim`) a claimer of those
    a dead consumer left pending for `claim_idle_ms`."""
    claim_idle_ms = settings.claim_idle_ms if claim else None
    return router.subscriber(
        stream=StreamSub(
            event.stream,
            group=group,
            consumer=settings.consumer_name,
            # A claimer finds nothing most of the time: it looks a tenth as often as an
            # entry must wait to be claimed, not at every poll.
            polling_interval=max(settings.poll_interval_ms, (claim_idle_ms or 0) // 10),
            min_idle_time=claim_idle_ms,
            max_records=max_records,
            batch=batch,
        ),
        title=f"{group}:{event.__name__}" + (":claim" if claim else ":batch" if batch else ""),
        max_workers=max_workers,
        parser=parse_batch if batch else None,
        decoder=decode_batch if batch else None,
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
    # Without a count one consumer takes a whole backlog into its pending list, and replicas
    # started to help (or by KEDA) would find nothing to share. A consumer handling several
    # at once reads as many as it will handle.
    records = max(settings.read_count, max_workers)

    def decorate(handler: F) -> F:
        for claim in (True, False):  # stacked, as FastStream stacks subscribers
            subscribe = _subscriber(router, event, group, settings, claim=claim,
                                    max_records=records, max_workers=max_workers)  # fmt: skip
            handler = subscribe(handler)
        return handler

    return decorate


def consume_batch(
    router: RedisRouter, event: type[E], *, group: str, settings: Settings
) -> Callable[[BatchHandler[E]], BatchHandler[E]]:
    """Subscribe a handler of many events at once (the sinks: one transaction, one XACK and
    one pass through the middleware per batch, not per entry).

    The reader takes up to `sink_batch_size` entries a read; when it got fewer, the
    middleware lingers `sink_linger_ms` once they are handled, so that a trickle arrives in
    batches too. The claimer
    hands over one entry at a time, as `consume`'s does. An entry that is not a valid event,
    or that fails permanently when handled alone, is rejected alone (`EntriesRejected`):
    the middleware dead-letters it and the rest of its batch is done.
    """
    size = settings.sink_batch_size

    def decorate(handler: BatchHandler[E]) -> BatchHandler[E]:
        async def handle(bodies: Sequence[Any]) -> None:
            events: dict[int, E] = {}
            rejected: dict[int, BaseException] = {}
            for i, body in enumerate(bodies):
                try:
                    events[i] = event.model_validate(body)
                except ValidationError as exc:
                    rejected[i] = exc
            rejected |= await _isolating(handler, events)
            if rejected:
                raise EntriesRejected(rejected)

        async def on_batch(bodies: list[Any]) -> None:
            await handle(bodies)

        async def on_claimed(body: Any) -> None:
            await handle([body])

        _subscriber(router, event, group, settings, max_records=size, batch=True)(on_batch)
        _subscriber(router, event, group, settings, claim=True)(on_claimed)
        return handler

    return decorate


async def _isolating(handler: BatchHandler[E], events: dict[int, E]) -> dict[int, BaseException]:
    """Handle the events together; when that fails permanently, each alone, to find which
    fail (by position). Transient errors propagate: the whole batch is retried."""
    if not events:
        return {}
    try:
        await handler(list(events.values()))
    except PERMANENT_ERRORS as exc:
        if len(events) == 1:
            return {i: exc for i in events}
    else:
        return {}
    rejected: dict[int, BaseException] = {}
    for i, one in events.items():
        rejected |= await _isolating(handler, {i: one})
    return rejected
