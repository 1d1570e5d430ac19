"""The runtime on a real Redis: dead letters, retries, the delivery cap and claiming."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from faststream.redis import RedisRouter
from redis.asyncio import Redis

from schemas import DeadLettered, EpisodeDiscovered, EpisodeInfo, TranscriptReady
from services.runtime.broker import consume, publisher_for, publishing_broker
from services.runtime.entries import read_range
from services.runtime.errors import PermanentError, TransientError
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from tests.e2e.crash import take_and_die
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e

Behaviour = Callable[[EpisodeDiscovered], Awaitable[None]]


def relay_stage(settings: Settings, behave: Behaviour, name: str = "relay") -> Stage:
    """A stage that runs `behave` on each episode, then emits a TranscriptReady for it."""
    router = RedisRouter()

    @consume(router, EpisodeDiscovered, group=name, settings=settings)
    @publisher_for(router, TranscriptReady, settings)
    async def on_episode(e: EpisodeDiscovered) -> TranscriptReady:
        await behave(e)
        return TranscriptReady(episode=e.episode, text=e.text or "", **e.caused(name))

    return Stage(name, router, (EpisodeDiscovered,))


def episode(n: int, text: str = "ok") -> EpisodeDiscovered:
    return EpisodeDiscovered(episode=EpisodeInfo(episode_id=f"ep{n}"), text=text)


async def publish(url: str, *messages: Any) -> None:
    async with publishing_broker(url) as broker:
        for message in messages:
            await broker.publish(message, stream=EpisodeDiscovered.stream)


async def entries(client: Redis, stream: str) -> list[dict[str, Any]]:
    """The JSON bodies in a stream, unframed."""
    return [e.body or {} async for e in read_range(client, stream)]


async def test_poison_event_is_dead_lettered_and_does_not_block(
    redis_url: str, settings: Settings
) -> None:
    async def fine(e: EpisodeDiscovered) -> None:
        return None

    client = Redis.from_url(redis_url)
    async with StageHost([relay_stage(settings, fine)], settings, redis_url):
        await publish(redis_url, episode(1), {"not": "an episode"}, episode(2))
        await wait_for(lambda: _count(client, TranscriptReady.stream, 2))
        await wait_for(lambda: _count(client, DeadLettered.stream, 1))
    letters = await entries(client, DeadLettered.stream)
    done = await entries(client, TranscriptReady.stream)
    assert [d["episode"]["episode_id"] for d in done] == ["ep1", "ep2"]
    assert letters[0]["stage"] == "relay"
    assert letters[0]["error_type"] == "ValidationError"
    assert "episode" in letters[0]["reason"]
    assert json.loads(letters[0]["original_payload"]) == {"not": "an episode"}
    assert await client.xpending(EpisodeDiscovered.stream, "relay") == {
        "pending": 0,
        "min": None,
        "max": None,
        "consumers": [],
    }
    await client.aclose()


async def test_transient_errors_are_retried_then_succeed(
    redis_url: str, settings: Settings
) -> None:
    calls: list[str] = []

    async def flaky(e: EpisodeDiscovered) -> None:
        calls.append(e.episode.episode_id)
        if len(calls) < 3:
            raise TransientError("upstream 503", retry_after=0.01)

    client = Redis.from_url(redis_url)
    async with StageHost([relay_stage(settings, flaky)], settings, redis_url):
        await publish(redis_url, episode(1))
        await wait_for(lambda: _count(client, TranscriptReady.stream, 1))
    assert calls == ["ep1", "ep1", "ep1"]
    assert await client.xlen(DeadLettered.stream) == 0
    await client.aclose()


async def test_permanent_and_exhausted_transient_errors_are_dead_lettered(
    redis_url: str, settings: Settings
) -> None:
    async def fail(e: EpisodeDiscovered) -> None:
        if e.text == "bad":
            raise PermanentError("unsupported media: video/mp4")
        raise TransientError("timeout")

    client = Redis.from_url(redis_url)
    async with StageHost([relay_stage(settings, fail)], settings, redis_url):
        await publish(redis_url, episode(1, "bad"), episode(2, "slow"))
        await wait_for(lambda: _count(client, DeadLettered.stream, 2))
    letters = {x["error_type"]: x for x in await entries(client, DeadLettered.stream)}
    assert letters["PermanentError"]["reason"] == "unsupported media: video/mp4"
    assert "after 5 attempts" in letters["TransientError"]["reason"]
    assert await client.xlen(TranscriptReady.stream) == 0
    await client.aclose()


async def test_entry_left_by_a_dead_consumer_is_claimed_and_finished(
    redis_url: str, settings: Settings
) -> None:
    async def fine(e: EpisodeDiscovered) -> None:
        return None

    client = Redis.from_url(redis_url)
    await client.xgroup_create(EpisodeDiscovered.stream, "relay", id="0", mkstream=True)
    await publish(redis_url, episode(7))
    # A consumer reads the entry and dies before acknowledging it.
    assert len(await take_and_die(client, EpisodeDiscovered.stream, "relay", "dead")) == 1
    async with StageHost([relay_stage(settings, fine)], settings, redis_url):
        await wait_for(lambda: _count(client, TranscriptReady.stream, 1))
        await wait_for(lambda: _pending(client, "relay", 0))
    done = await entries(client, TranscriptReady.stream)
    assert [d["episode"]["episode_id"] for d in done] == ["ep7"]
    await client.aclose()


async def test_repeat_offender_is_dead_lettered_after_the_delivery_cap(
    redis_url: str, settings: Settings
) -> None:
    capped = settings.model_copy(update={"max_deliveries": 2})

    async def fine(e: EpisodeDiscovered) -> None:
        return None

    client = Redis.from_url(redis_url)
    await client.xgroup_create(EpisodeDiscovered.stream, "relay", id="0", mkstream=True)
    await publish(redis_url, episode(9))
    # Two consumers in a row take the entry and crash (as a poison entry that kills its
    # process would make them do), so its delivery count passes the cap.
    (entry_id,) = await take_and_die(client, EpisodeDiscovered.stream, "relay", "c1")
    await client.xclaim(EpisodeDiscovered.stream, "relay", "c2", 0, [entry_id])
    async with StageHost([relay_stage(capped, fine)], capped, redis_url):
        await wait_for(lambda: _count(client, DeadLettered.stream, 1))
    (letter,) = await entries(client, DeadLettered.stream)
    assert letter["error_type"] == "DeliveryLimitExceeded"
    assert letter["delivery_count"] == 3
    assert await client.xlen(TranscriptReady.stream) == 0
    await client.aclose()


async def _count(client: Redis, stream: str, n: int) -> bool:
    return int(await client.xlen(stream)) >= n


async def _pending(client: Redis, group: str, n: int) -> bool:
    info = await client.xpending(EpisodeDiscovered.stream, group)
    return int(info["pending"]) == n


async def test_a_backlog_waiting_at_start_up_is_published_from_the_first_entry(
    redis_url: str, settings: Settings
) -> None:
    """A handler that publishes explicitly must not run before its publisher is ready."""
    router = RedisRouter()
    out = publisher_for(router, TranscriptReady, settings)

    @consume(router, EpisodeDiscovered, group="splitter", settings=settings)
    async def on_episode(e: EpisodeDiscovered) -> None:
        for _ in range(2):
            await out.publish(TranscriptReady(episode=e.episode, **e.caused("splitter")))

    client = Redis.from_url(redis_url)
    await client.xgroup_create(EpisodeDiscovered.stream, "splitter", id="0", mkstream=True)
    await publish(redis_url, *(episode(n) for n in range(20)))
    stage = Stage("splitter", router, (EpisodeDiscovered,))
    async with StageHost([stage], settings.model_copy(update={"claim_idle_ms": 60_000}), redis_url):
        await wait_for(lambda: _count(client, TranscriptReady.stream, 40), within_s=10)
        await wait_for(lambda: _pending(client, "splitter", 0))
    await client.aclose()
