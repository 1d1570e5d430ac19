"""Wiring for the summarizer: the extractive core, or a chat model when one is configured."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from schemas import EntityMention, Segment, SegmentClassified, Summary
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.summarizer.cache import FileCache
from services.summarizer.core import summarize_segment
from services.summarizer.llm import LLMConfig, LLMSummarizer
from services.summarizer.worker import STAGE, SummarizeFn, build_router


async def summarize_offline(segment: Segment, entities: Sequence[EntityMention]) -> Summary:
    return await asyncio.to_thread(summarize_segment, segment, entities=entities)


def llm_summarizer(settings: Settings, client: httpx.AsyncClient) -> LLMSummarizer | None:
    """The chat-model backend, when NEWSDESK_LLM_BASE_URL and NEWSDESK_LLM_MODEL are set."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    config = LLMConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        usd_per_million_input=settings.llm_usd_per_million_input,
        usd_per_million_output=settings.llm_usd_per_million_output,
        fallback=settings.llm_fallback,
    )
    # Cached by content hash on disk, so a replay does not pay for the same story twice.
    return LLMSummarizer(config, client, cache=FileCache(settings.data_dir / "summary-cache"))


def build_summarizer(settings: Settings) -> SummarizeFn:
    """The summarizer for previews (replay's dry run): offline, so a preview never spends."""
    return summarize_offline


def build_stage(settings: Settings, redis_url: str) -> Stage:
    client = httpx.AsyncClient(timeout=settings.llm_timeout_s)
    llm = llm_summarizer(settings, client)
    summarize = llm.summarize if llm else summarize_offline
    return Stage(
        STAGE,
        build_router(settings, summarize),
        (SegmentClassified,),
        on_stop=[client.aclose],
    )
