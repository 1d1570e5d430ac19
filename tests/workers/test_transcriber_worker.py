"""Transcriber worker: a loaded transcript becomes a TranscriptReady with the episode filled in."""

from __future__ import annotations

from datetime import date

from schemas import EpisodeDiscovered, EpisodeInfo, TranscriptReady
from services.runtime.errors import PermanentError
from services.runtime.settings import Settings
from services.transcriber.core import Transcript
from services.transcriber.worker import build_router
from tests.workers.broker import in_memory


async def _stash(text: str) -> dict[str, object]:
    return {"text": text}


async def test_transcript_ready_carries_text_times_and_header_fields(settings: Settings) -> None:
    async def load(e: EpisodeDiscovered) -> Transcript:
        return Transcript(
            text="Hello.\nWorld.",
            first_line=8,
            podcast="Show",
            title="Ep 1",
            published=date(2026, 5, 3),
            format="markdown",
        )

    router = build_router(settings, load, _stash)
    seen: list[TranscriptReady] = []

    @router.subscriber(stream=TranscriptReady.stream)
    async def collect(e: TranscriptReady) -> None:
        seen.append(e)

    async with in_memory(settings, router) as broker:
        cause = EpisodeDiscovered(episode=EpisodeInfo(episode_id="ep", title="Feed title"))
        await broker.publish(cause, stream=EpisodeDiscovered.stream)

    (ready,) = seen
    assert ready.text == "Hello.\nWorld."
    assert ready.first_line == 8
    assert ready.episode.title == "Feed title"  # the feed's own title wins
    assert ready.episode.podcast == "Show"
    assert ready.episode.published == date(2026, 5, 3)
    assert ready.causation_id == cause.event_id
    assert ready.correlation_id == cause.correlation_id


async def test_unloadable_episode_is_dead_lettered_not_emitted(settings: Settings) -> None:
    async def load(e: EpisodeDiscovered) -> Transcript:
        raise PermanentError("empty transcript")

    router = build_router(settings, load, _stash)
    seen: list[object] = []

    @router.subscriber(stream=TranscriptReady.stream)
    async def collect(e: TranscriptReady) -> None:
        seen.append(e)

    async with in_memory(settings, router, stage="transcriber") as broker:
        await broker.publish(
            EpisodeDiscovered(episode=EpisodeInfo(episode_id="ep")), stream=EpisodeDiscovered.stream
        )
    assert seen == []
