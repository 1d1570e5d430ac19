"""Classifier: SegmentDetected → SegmentClassified (stories only; other kinds pass through)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from faststream.redis import RedisRouter

from schemas import Classification, EpisodeInfo, Segment, SegmentClassified, SegmentDetected
from services.runtime.broker import consume, publisher_for
from services.runtime.settings import Settings

STAGE = "classifier"
ClassifyFn = Callable[[EpisodeInfo, Segment], Classification]


def build_router(settings: Settings, classify: ClassifyFn) -> RedisRouter:
    router = RedisRouter()
    # One thread classifies every story. More would not classify faster (the model runs one
    # batch at a time and the rest holds the GIL), but each thread that allocates gets a
    # malloc arena of its own, and each arena keeps its share of the model's freed buffers:
    # with asyncio.to_thread's pool, ~20 MB more peak RSS per worker (measured).
    classifying = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")

    @consume(router, SegmentDetected, group=STAGE, settings=settings)
    @publisher_for(router, SegmentClassified, settings)
    async def on_segment_detected(e: SegmentDetected) -> SegmentClassified:
        if e.segment.kind == "story":
            loop = asyncio.get_running_loop()
            labels = await loop.run_in_executor(classifying, classify, e.episode, e.segment)
        else:
            labels = Classification(section=None)
        return SegmentClassified(
            episode=e.episode, segment=e.segment, classification=labels, **e.caused(STAGE)
        )

    return router
