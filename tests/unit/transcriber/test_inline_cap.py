"""Inline transcripts obey the size cap fetched ones do (a 50 MB one would stall every stage)."""

from __future__ import annotations

import httpx
import pytest

from schemas import EpisodeDiscovered, EpisodeInfo
from services.runtime.errors import PermanentError
from services.transcriber.sources import SourceSettings, TranscriptSources


def sources(max_bytes: int) -> TranscriptSources:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    return TranscriptSources(http, None, SourceSettings(max_bytes=max_bytes))


async def test_inline_text_over_the_cap_is_refused_before_parsing() -> None:
    event = EpisodeDiscovered(episode=EpisodeInfo(episode_id="big"), text="Word. " * 100)
    with pytest.raises(PermanentError, match="over the 500-byte cap"):
        await sources(500).load(event)


async def test_inline_text_at_the_cap_is_parsed() -> None:
    text = "A short story about the harbor. " * 10
    event = EpisodeDiscovered(episode=EpisodeInfo(episode_id="ok"), text=text)
    transcript = await sources(len(text.encode())).load(event)
    assert transcript.text.startswith("A short story")
