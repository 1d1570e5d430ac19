"""Wiring for the transcriber: transcript sources, speech-to-text, big-transcript blobs."""

from __future__ import annotations

import httpx
import structlog
from redis.asyncio import Redis

from schemas import EpisodeDiscovered
from services.runtime.blobs import TranscriptStore
from services.runtime.settings import Settings
from services.runtime.ssrf import guarded_transport
from services.runtime.stage import Stage
from services.transcriber.asr import AsrSettings, SpeechToText, build_speech_to_text
from services.transcriber.audio import MissingToolError
from services.transcriber.sources import SourceSettings, TranscriptSources
from services.transcriber.worker import STAGE, build_router

log = structlog.get_logger("newsdesk.transcriber")


def speech_to_text() -> SpeechToText | None:
    """The configured backend, or None (transcripts only) when its tools are missing."""
    try:
        return build_speech_to_text(AsrSettings())
    except MissingToolError as exc:
        log.warning("speech_to_text_unavailable", reason=str(exc))
        return None


def build_stage(settings: Settings, redis_url: str) -> Stage:
    client = Redis.from_url(redis_url)
    store = TranscriptStore(client, settings.transcript_inline_max)
    http = httpx.AsyncClient(
        transport=guarded_transport(allow_private=settings.allow_private_urls),
        timeout=settings.http_timeout_s,
        headers={"user-agent": settings.fetch_user_agent},
    )
    sources = TranscriptSources(http, speech_to_text(), SourceSettings())
    router = build_router(settings, sources.load, store.stash)

    async def stop() -> None:
        await http.aclose()
        await client.aclose()

    return Stage(STAGE, router, (EpisodeDiscovered,), on_stop=[stop])
