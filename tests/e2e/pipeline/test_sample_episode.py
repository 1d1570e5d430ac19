"""The sample episode through all seven workers on a real Redis, SQLite and HTTP receiver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack
from itertools import pairwise

import pytest
from redis.asyncio import Redis

from schemas import EpisodeDiscovered
from services.cli.receiver import WebhookReceiver
from services.cli.runtime import wait_until_idle
from services.cli.sources import SAMPLE, discovered_from_file, publish_events
from services.cli.stages import STAGES
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.db import create_engine, sessions
from services.storage.models import SegmentRow
from services.storage.repository import StoryRepository
from tests.e2e.crash import take_and_die

pytestmark = pytest.mark.e2e

WORKERS = ["transcriber", "segmenter", "classifier", "summarizer", "store", "notifier"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


async def run_pipeline(settings: Settings, redis_url: str, events: list[EpisodeDiscovered]) -> None:
    """Every worker as its own consumer (own name, own broker), until all groups are idle."""
    async with AsyncExitStack() as stack:
        hosts = []
        for name in WORKERS:
            own = settings.model_copy(update={"consumer_name": f"{name}-e2e"})
            host = StageHost([STAGES[name](own, redis_url)], own, redis_url)
            hosts.append(await stack.enter_async_context(host))
        await publish_events(redis_url, settings, events)
        groups = [(e.stream, h.stages[0].group) for h in hosts for e in h.stages[0].consumes]
        client = Redis.from_url(redis_url)
        busy = lambda: any(h.busy() for h in hosts)  # noqa: E731
        assert await wait_until_idle(client, groups, settle_s=1.5, timeout_s=120, busy=busy)
        await client.aclose()


async def stored(settings: Settings, episode_id: str) -> list[SegmentRow]:
    engine = create_engine(settings.effective_database_url)
    rows = await StoryRepository(sessions(engine)).segments(episode_id=episode_id)
    await engine.dispose()
    return list(rows)


def assert_tiled(rows: list[SegmentRow]) -> None:
    assert [r.index for r in rows] == list(range(len(rows)))
    assert rows[0].start_char == 0
    assert all(a.end_char == b.start_char for a, b in pairwise(rows))


async def test_sample_flows_through_every_worker_and_each_story_is_posted_once(
    redis_url: str, settings: Settings, receiver: WebhookReceiver
) -> None:
    settings = settings.model_copy(update={"webhook_urls": [receiver.url]})
    event = discovered_from_file(SAMPLE)
    await run_pipeline(settings, redis_url, [event])

    rows = await stored(settings, event.episode.episode_id)
    assert_tiled(rows)
    kinds = Counter(r.kind for r in rows)
    assert kinds["story"] >= 15
    assert kinds["ad"] == 2
    stories = {r.segment_id for r in rows if r.kind == "story"}
    assert all(r.headline and r.section for r in rows if r.kind == "story")
    posted = [r.json()["data"]["story_id"] for r in receiver.snapshot()]
    assert sorted(posted) == sorted(stories)  # exactly one POST per story


async def test_entry_left_by_a_crashed_transcriber_is_finished_with_nothing_lost_or_doubled(
    redis_url: str, settings: Settings, receiver: WebhookReceiver
) -> None:
    settings = settings.model_copy(update={"webhook_urls": [receiver.url]})
    event = discovered_from_file(SAMPLE)
    client = Redis.from_url(redis_url)
    await client.xgroup_create(EpisodeDiscovered.stream, "transcriber", id="0", mkstream=True)
    await publish_events(redis_url, settings, [event])
    # A transcriber takes the episode and dies before acknowledging it.
    assert len(await take_and_die(client, EpisodeDiscovered.stream, "transcriber", "crashed")) == 1
    await client.aclose()

    await run_pipeline(settings, redis_url, [])  # nothing new: only the claim can finish it
    rows = await stored(settings, event.episode.episode_id)
    assert_tiled(rows)
    stories = [r.segment_id for r in rows if r.kind == "story"]
    posted = [r.json()["data"]["story_id"] for r in receiver.snapshot()]
    assert sorted(posted) == sorted(stories)
