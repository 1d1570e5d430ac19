"""`consume_batch` on a real Redis: batches, lone rejections, retries, claiming, lingering."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import pytest
import structlog
from faststream.redis import RedisRouter
from redis.asyncio import Redis
from structlog.testing import capture_logs
from structlog.typing import EventDict

from schemas import DeadLettered, EpisodeDiscovered, EpisodeInfo
from services.runtime.broker import consume_batch, publishing_broker
from services.runtime.entries import Entry, read_range
from services.runtime.errors import PermanentError, TransientError
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from tests.e2e.crash import take_and_die
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e

STREAM = EpisodeDiscovered.stream
GROUP = "sink"
Behaviour = Callable[[Sequence[EpisodeDiscovered]], Awaitable[None]]


async def accept(events: Sequence[EpisodeDiscovered]) -> None:
    return None


class Sink:
    """A batch handler that records every batch it is called with, and those it finished."""

    def __init__(self, behave: Behaviour = accept) -> None:
        self.behave = behave
        self.calls: list[list[str]] = []
        self.handled: list[str] = []

    async def __call__(self, events: Sequence[EpisodeDiscovered]) -> None:
        batch = ids(events)
        self.calls.append(batch)
        await self.behave(events)
        self.handled += batch


def sink_stage(settings: Settings, sink: Sink) -> Stage:
    router = RedisRouter()

    @consume_batch(router, EpisodeDiscovered, group=GROUP, settings=settings)
    async def on_episodes(events: Sequence[EpisodeDiscovered]) -> None:
        await sink(events)

    return Stage(GROUP, router, (EpisodeDiscovered,))


def episodes(n: int) -> list[EpisodeDiscovered]:
    return [EpisodeDiscovered(episode=EpisodeInfo(episode_id=f"ep{i}")) for i in range(n)]


def ids(events: Sequence[EpisodeDiscovered]) -> list[str]:
    return [e.episode.episode_id for e in events]


async def publish(url: str, *messages: Any, gap_s: float = 0.0) -> None:
    async with publishing_broker(url) as broker:
        for message in messages:
            await broker.publish(message, stream=STREAM)
            if gap_s:
                await asyncio.sleep(gap_s)


async def stream_entries(client: Redis, stream: str) -> list[Entry]:
    return [e async for e in read_range(client, stream)]


async def dead_letters(client: Redis) -> list[dict[str, Any]]:
    return [e.body or {} for e in await stream_entries(client, DeadLettered.stream)]


async def pending(client: Redis) -> int:
    return int((await client.xpending(STREAM, GROUP))["pending"])


def settled(
    client: Redis, sink: Sink, handled: int, letters: int = 0
) -> Callable[[], Awaitable[bool]]:
    """The sink finished `handled` entries, `letters` went to the dead letters, none pending."""

    async def check() -> bool:
        return (
            len(sink.handled) >= handled
            and int(await client.xlen(DeadLettered.stream)) >= letters
            and await pending(client) == 0
        )

    return check


def handled_lines(logs: list[EventDict]) -> list[EventDict]:
    return [line for line in logs if line["event"] == "message_handled"]


@pytest.fixture
def logs() -> Iterator[list[EventDict]]:
    """Every structlog line while the test runs, with the context bound per message."""
    # A CLI test before this one may have configured a level that drops INFO lines unseen.
    structlog.reset_defaults()
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        yield lines


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_url)
    yield redis
    await redis.aclose()


async def test_a_backlog_is_read_in_batches_each_entry_handled_once_and_logged(
    redis_url: str, settings: Settings, client: Redis, logs: list[EventDict]
) -> None:
    sized = settings.model_copy(update={"sink_batch_size": 16})
    sent = episodes(40)
    await publish(redis_url, *sent)
    sink = Sink()
    async with StageHost([sink_stage(sized, sink)], sized, redis_url):
        await wait_for(settled(client, sink, len(sent)))
    assert Counter(sink.handled) == Counter(ids(sent))
    assert len(sink.calls) < len(sent)
    assert max(len(call) for call in sink.calls) == 16
    lines = handled_lines(logs)
    assert Counter(line["event_id"] for line in lines) == Counter(e.event_id for e in sent)
    assert {line["episode_id"]: line["event_id"] for line in lines} == {
        e.episode.episode_id: e.event_id for e in sent
    }
    entry_ids = {e.entry_id for e in await stream_entries(client, STREAM)}
    assert {line["entry_id"] for line in lines} == entry_ids
    assert {line["stage"] for line in lines} == {GROUP}
    assert await client.xlen(DeadLettered.stream) == 0


@pytest.mark.parametrize(
    "bad", [{"not": "an event"}, b"not json at all"], ids=["not-an-event", "not-json"]
)
async def test_an_invalid_entry_is_dead_lettered_alone(
    redis_url: str, settings: Settings, client: Redis, logs: list[EventDict], bad: Any
) -> None:
    first, second = episodes(2)
    await publish(redis_url, first, bad, second)
    (bad_entry,) = [e for e in await stream_entries(client, STREAM) if e.episode_id is None]
    sink = Sink()
    async with StageHost([sink_stage(settings, sink)], settings, redis_url):
        await wait_for(settled(client, sink, 2, letters=1))
    assert sink.calls == [["ep0", "ep1"]]
    (letter,) = await dead_letters(client)
    assert letter["original_entry_id"] == bad_entry.entry_id
    assert letter["original_payload"] == bad_entry.raw.decode()
    assert (bad_entry.body or bad_entry.raw) == bad
    assert letter["original_stream"] == STREAM
    assert letter["stage"] == GROUP
    assert letter["error_type"] == "ValidationError"
    assert letter["delivery_count"] == 1
    lines = handled_lines(logs)
    assert [line["event_id"] for line in lines] == [first.event_id, second.event_id]
    assert bad_entry.entry_id not in {line["entry_id"] for line in lines}
    assert await pending(client) == 0


async def test_a_permanent_failure_is_isolated_to_the_event_that_causes_it(
    redis_url: str, settings: Settings, client: Redis, logs: list[EventDict]
) -> None:
    sent = episodes(6)
    poison = sent[3]

    async def refuse_poison(events: Sequence[EpisodeDiscovered]) -> None:
        if poison in events:
            raise PermanentError("unsupported media: video/mp4")

    await publish(redis_url, *sent)
    sink = Sink(refuse_poison)
    async with StageHost([sink_stage(settings, sink)], settings, redis_url):
        await wait_for(settled(client, sink, len(sent) - 1, letters=1))
    everyone = ids(sent)
    assert sink.calls == [everyone] + [[i] for i in everyone]
    assert Counter(sink.handled) == Counter(i for i in everyone if i != "ep3")
    (letter,) = await dead_letters(client)
    assert letter["error_type"] == "PermanentError"
    assert letter["reason"] == "unsupported media: video/mp4"
    assert EpisodeDiscovered.model_validate_json(letter["original_payload"]) == poison
    (poison_entry,) = [e for e in await stream_entries(client, STREAM) if e.episode_id == "ep3"]
    assert letter["original_entry_id"] == poison_entry.entry_id
    handled_events = [line["event_id"] for line in handled_lines(logs)]
    assert Counter(handled_events) == Counter(e.event_id for e in sent if e is not poison)
    assert await pending(client) == 0


async def test_a_transient_failure_retries_the_whole_batch(
    redis_url: str, settings: Settings, client: Redis, logs: list[EventDict]
) -> None:
    failures = [TransientError("database is locked", retry_after=0.01)]

    async def fail_once(events: Sequence[EpisodeDiscovered]) -> None:
        if failures:
            raise failures.pop()

    sent = episodes(5)
    await publish(redis_url, *sent)
    sink = Sink(fail_once)
    async with StageHost([sink_stage(settings, sink)], settings, redis_url):
        await wait_for(settled(client, sink, len(sent)))
    assert sink.calls == [ids(sent), ids(sent)]
    assert sink.handled == ids(sent)
    assert await client.xlen(DeadLettered.stream) == 0
    lines = handled_lines(logs)
    assert [line["event_id"] for line in lines] == [e.event_id for e in sent]
    assert {line["attempts"] for line in lines} == {2}
    assert [line["event"] for line in logs].count("message_retry") == 1


async def test_an_entry_left_by_a_dead_consumer_is_claimed_and_handled(
    redis_url: str, settings: Settings, client: Redis, logs: list[EventDict]
) -> None:
    quick = settings.model_copy(update={"claim_idle_ms": 100})
    await client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    (left,) = episodes(1)
    await publish(redis_url, left)
    (entry_id,) = await take_and_die(client, STREAM, GROUP, "dead")
    sink = Sink()
    async with StageHost([sink_stage(quick, sink)], quick, redis_url):
        await wait_for(settled(client, sink, 1))
    assert sink.calls == [["ep0"]]
    (line,) = handled_lines(logs)
    assert (line["entry_id"], line["event_id"], line["stage"]) == (entry_id, left.event_id, GROUP)
    assert await client.xlen(DeadLettered.stream) == 0


async def test_an_invalid_entry_left_by_a_dead_consumer_is_dead_lettered_by_the_claimer(
    redis_url: str, settings: Settings, client: Redis
) -> None:
    quick = settings.model_copy(update={"claim_idle_ms": 100})
    await client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    await publish(redis_url, {"not": "an event"})
    (entry_id,) = await take_and_die(client, STREAM, GROUP, "dead")
    sink = Sink()
    async with StageHost([sink_stage(quick, sink)], quick, redis_url):
        await wait_for(settled(client, sink, 0, letters=1))
    assert sink.calls == []
    (letter,) = await dead_letters(client)
    assert (letter["original_entry_id"], letter["error_type"]) == (entry_id, "ValidationError")
    assert json.loads(letter["original_payload"]) == {"not": "an event"}
    assert letter["delivery_count"] == 2


async def test_an_entry_past_the_delivery_cap_is_dead_lettered_unhandled(
    redis_url: str, settings: Settings, client: Redis
) -> None:
    capped = settings.model_copy(update={"claim_idle_ms": 100, "max_deliveries": 2})
    await client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    await publish(redis_url, *episodes(1))
    # Two consumers in a row take the entry and crash, so the claimer's is its third delivery.
    (entry_id,) = await take_and_die(client, STREAM, GROUP, "c1")
    await client.xclaim(STREAM, GROUP, "c2", 0, [entry_id])
    sink = Sink()
    async with StageHost([sink_stage(capped, sink)], capped, redis_url):
        await wait_for(settled(client, sink, 0, letters=1))
    assert sink.calls == []
    (letter,) = await dead_letters(client)
    assert letter["error_type"] == "DeliveryLimitExceeded"
    assert letter["delivery_count"] == 3
    assert letter["original_entry_id"] == entry_id


async def test_a_trickle_is_gathered_into_batches_by_the_linger(
    redis_url: str, settings: Settings, client: Redis
) -> None:
    lingering = settings.model_copy(update={"sink_linger_ms": 300, "sink_batch_size": 64})
    sent = episodes(12)
    sink = Sink()
    async with StageHost([sink_stage(lingering, sink)], lingering, redis_url):
        await publish(redis_url, *sent, gap_s=0.01)
        await wait_for(settled(client, sink, len(sent)))
    assert sink.handled == ids(sent)
    # The first entry comes alone; the rest arrive while the reader lingers after it.
    assert len(sink.calls) <= 3
