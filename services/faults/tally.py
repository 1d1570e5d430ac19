"""Published episodes → the stories they must yield; the store and receiver → lost and doubled."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from redis.exceptions import RedisError

from schemas import EpisodeDiscovered
from services.cli.sources import discovered_from_file
from services.faults.cluster import Cluster, wait_for
from services.runtime.settings import Settings
from services.segmenter.main import build_segmenter
from services.segmenter.worker import SegmentFn
from services.transcriber.core import parse_transcript

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "transcripts"
SHORT = (
    TRANSCRIPTS / "harbor_briefing_2026-05-04.txt",
    TRANSCRIPTS / "circuit_daily_2026-04-22.txt",
)
#: A run that got nothing done for this long has lost something (a short run takes seconds).
RUN_S = 90.0


@functools.cache
def _segmenter() -> SegmentFn:
    # The workers' configuration: FAST_ENV turns embeddings off, and nothing else is set.
    settings = Settings(_env_file=None, embeddings=False, profiles_file=None, taxonomy_file=None)
    return build_segmenter(settings)


@dataclass(frozen=True)
class Expected:
    """An episode as published and the story ids it must end as, each stored and posted once."""

    event: EpisodeDiscovered
    stories: frozenset[str]

    @property
    def episode_id(self) -> str:
        return self.event.episode.episode_id


def expect(path: Path) -> Expected:
    """A transcript file as `newsdesk ingest` publishes it, with the stories it holds."""
    event = discovered_from_file(path)
    text = event.text or ""
    transcript = parse_transcript(text.encode(), name=event.episode.source)
    # The transcriber fills the show from the transcript's header; profiles key on it.
    episode = event.episode.model_copy(
        update={"podcast": event.episode.podcast or transcript.podcast}
    )
    segments = _segmenter()(episode, transcript.text, transcript.first_line, transcript.cues)
    return Expected(event, frozenset(s.segment_id for s in segments if s.kind == "story"))


@dataclass(frozen=True)
class Count:
    """Expected stories missing from the store or the receiver, and anything there twice."""

    lost: int
    duplicates: int
    stored: int
    posted: int


async def count(cluster: Cluster, expected: Sequence[Expected]) -> Count:
    episodes = {e.episode_id for e in expected}
    want = frozenset[str]().union(*(e.stories for e in expected))
    stored = await cluster.stored_stories(episodes)
    posts = [
        body["story_id"]
        for body in (r.json().get("data") or {} for r in cluster.receiver.snapshot())
        if (body.get("episode") or {}).get("episode_id") in episodes
    ]
    posted = set(posts)
    return Count(
        lost=len(want - stored) + len(want - posted),
        # A story stored or posted that the transcript does not hold is one told twice.
        duplicates=len(posts) - len(posted) + len(stored - want) + len(posted - want),
        stored=len(stored),
        posted=len(posts),
    )


async def settle(cluster: Cluster, expected: Sequence[Expected], timeout_s: float) -> Count:
    """Wait until every expected story is stored and posted, the streams are idle and the
    outbox has nothing left to send, so that nothing can come in twice any more; count.

    `timeout_s` counts from the last time the workers got something done.
    """

    async def done() -> bool:
        try:
            return (
                (await count(cluster, expected)).lost == 0
                and await cluster.backlog() == 0
                and await cluster.deliveries_pending() == 0
            )
        except RedisError:  # Redis restarting under a fault: look again
            return False

    async def progress() -> Hashable:
        try:
            return await cluster.progress()
        except RedisError:
            return None

    await wait_for(done, timeout_s, every_s=0.25, progress=progress)
    return await count(cluster, expected)


def short_episodes() -> list[Expected]:
    return [expect(path) for path in SHORT]
