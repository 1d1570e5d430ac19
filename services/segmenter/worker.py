"""Segmenter: TranscriptReady → SegmentDetected, one event per segment, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from faststream.redis import RedisRouter

from schemas import Cue, EpisodeInfo, Segment, SegmentDetected, TranscriptReady
from services.runtime.broker import consume, publisher_for
from services.runtime.errors import PermanentError
from services.runtime.settings import Settings

STAGE = "segmenter"
SegmentFn = Callable[[EpisodeInfo, str, int, Sequence[Cue]], list[Segment]]
TextOf = Callable[[TranscriptReady], Awaitable[str]]


def build_router(settings: Settings, segment: SegmentFn, text_of: TextOf) -> RedisRouter:
    router = RedisRouter()
    publish = publisher_for(router, SegmentDetected, settings)

    @consume(router, TranscriptReady, group=STAGE, settings=settings)
    async def on_transcript_ready(e: TranscriptReady) -> None:
        text = await text_of(e)
        if not text.strip():
            raise PermanentError("empty transcript: nothing to segment")
        # CPU-bound: keep the event loop (and the other stages in this process) responsive.
        segments = await asyncio.to_thread(segment, e.episode, text, e.first_line, e.cues)
        for seg in segments:
            await publish.publish(
                SegmentDetected(episode=e.episode, segment=seg, **e.caused(STAGE))
            )

    return router
