"""Transcriber: EpisodeDiscovered → TranscriptReady."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.redis import RedisRouter

from schemas import EpisodeDiscovered, EpisodeInfo, TranscriptReady
from services.runtime.broker import consume, publisher_for
from services.runtime.settings import Settings
from services.transcriber.core import Transcript

STAGE = "transcriber"
TranscriptLoader = Callable[[EpisodeDiscovered], Awaitable[Transcript]]
Stash = Callable[[str], Awaitable[dict[str, object]]]


def _episode(info: EpisodeInfo, transcript: Transcript) -> EpisodeInfo:
    """The feed knows the episode best; a transcript header fills what the feed left empty."""
    return info.model_copy(
        update={
            "title": info.title or transcript.title,
            "podcast": info.podcast or transcript.podcast,
            "published": info.published or transcript.published,
        }
    )


def build_router(settings: Settings, load: TranscriptLoader, stash: Stash) -> RedisRouter:
    router = RedisRouter()

    @consume(router, EpisodeDiscovered, group=STAGE, settings=settings)
    @publisher_for(router, TranscriptReady, settings)
    async def on_episode_discovered(e: EpisodeDiscovered) -> TranscriptReady:
        transcript = await load(e)
        return TranscriptReady(
            episode=_episode(e.episode, transcript),
            first_line=transcript.first_line,
            cues=list(transcript.cues),
            language=transcript.language,
            transcript_source=transcript.format,
            **await stash(transcript.text),
            **e.caused(STAGE),
        )

    return router
