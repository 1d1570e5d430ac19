"""Wiring for the transcriber: a Redis client for big transcripts, the source loader."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from schemas import EpisodeDiscovered
from services.runtime.blobs import TranscriptStore
from services.runtime.errors import PermanentError
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.transcriber.core import Transcript, TranscriptError, parse_transcript
from services.transcriber.worker import STAGE, build_router


async def load_inline(e: EpisodeDiscovered) -> Transcript:
    """A transcript that travels in the event (a local file, a text article)."""
    if e.text is None:
        raise PermanentError("episode has no transcript, text or audio that can be loaded")
    try:
        return await asyncio.to_thread(
            parse_transcript, e.text.encode("utf-8"), name=e.episode.source,
            content_type=e.text_format,
        )  # fmt: skip
    except TranscriptError as exc:
        raise PermanentError(str(exc)) from exc


def build_stage(settings: Settings, redis_url: str) -> Stage:
    client = Redis.from_url(redis_url)
    store = TranscriptStore(client, settings.transcript_inline_max)
    router = build_router(settings, load_inline, store.stash)
    return Stage(STAGE, router, (EpisodeDiscovered,), on_stop=[client.aclose])
