"""Wiring for the summarizer: the extractive core, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from schemas import EntityMention, Segment, SegmentClassified, Summary
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.summarizer.core import summarize_segment
from services.summarizer.worker import STAGE, SummarizeFn, build_router


def build_summarizer(settings: Settings) -> SummarizeFn:
    async def summarize(segment: Segment, entities: Sequence[EntityMention]) -> Summary:
        return await asyncio.to_thread(summarize_segment, segment, entities=entities)

    return summarize


def build_stage(settings: Settings, redis_url: str) -> Stage:
    return Stage(STAGE, build_router(settings, build_summarizer(settings)), (SegmentClassified,))
