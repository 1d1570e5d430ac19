"""Classifier: SegmentDetected → SegmentClassified (stories only; other kinds pass through)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from faststream.redis import RedisRouter

from schemas import Classification, EpisodeInfo, Segment, SegmentClassified, SegmentDetected
from services.runtime.broker import consume, publisher_for
from services.runtime.settings import Settings

STAGE = "classifier"
ClassifyFn = Callable[[EpisodeInfo, Segment], Classification]


def build_router(settings: Settings, classify: ClassifyFn) -> RedisRouter:
    router = RedisRouter()

    @consume(router, SegmentDetected, group=STAGE, settings=settings)
    @publisher_for(router, SegmentClassified, settings)
    async def on_segment_detected(e: SegmentDetected) -> SegmentClassified:
        if e.segment.kind == "story":
            labels = await asyncio.to_thread(classify, e.episode, e.segment)
        else:
            labels = Classification(section=None)
        return SegmentClassified(
            episode=e.episode, segment=e.segment, classification=labels, **e.caused(STAGE)
        )

    return router
