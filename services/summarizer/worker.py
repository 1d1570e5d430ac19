"""Summarizer: SegmentClassified → StorySummarized."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from faststream.redis import RedisRouter

from schemas import EntityMention, Segment, SegmentClassified, StorySummarized, Summary
from services.runtime.broker import consume, publisher_for
from services.runtime.settings import Settings

STAGE = "summarizer"
SummarizeFn = Callable[[Segment, Sequence[EntityMention]], Awaitable[Summary]]


def build_router(settings: Settings, summarize: SummarizeFn) -> RedisRouter:
    router = RedisRouter()

    @consume(router, SegmentClassified, group=STAGE, settings=settings)
    @publisher_for(router, StorySummarized, settings)
    async def on_segment_classified(e: SegmentClassified) -> StorySummarized:
        summary = await summarize(e.segment, e.classification.entities)
        return StorySummarized(
            episode=e.episode,
            segment=e.segment,
            classification=e.classification,
            summary=summary,
            **e.caused(STAGE),
        )

    return router
