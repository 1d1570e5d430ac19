"""EpisodeDiscovered → Transcript: inline text, then publisher transcripts, then speech-to-text."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import structlog
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import EpisodeDiscovered, TranscriptLink
from services.runtime.errors import PermanentError, TransientError
from services.transcriber.asr import SpeechToText
from services.transcriber.audio import looks_like_audio
from services.transcriber.core import (
    Transcript,
    TranscriptError,
    format_for,
    parse_transcript,
    transcript_from_fragments,
)
from services.transcriber.http import download_to_file, fetch_bytes

log = structlog.get_logger(__name__)
FORMAT_PREFERENCE = ("json", "vtt", "srt", "html", "text", "markdown")
Attempt = Callable[[], Awaitable[Transcript]]


class SourceSettings(BaseSettings):
    """Where transcripts may come from and how big they may be, `NEWSDESK_TRANSCRIPT_*`."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_TRANSCRIPT_", env_file=".env", extra="ignore"
    )

    languages: list[str] = ["en"]
    max_bytes: int = 20 * 1024 * 1024
    max_audio_bytes: int = 1024 * 1024 * 1024
    # Only for episodes a user pointed at (CLI): a feed must never make us read local files.
    allow_local_files: bool = False


def rank_links(links: Sequence[TranscriptLink], languages: Sequence[str]) -> list[TranscriptLink]:
    """Wanted language first (then unlabelled, then others), then JSON > VTT > SRT > HTML > text."""
    wanted = [lang.lower() for lang in languages]

    def key(link: TranscriptLink) -> tuple[int, int]:
        lang = (link.language or "").lower()
        base = lang.split("-")[0]
        lang_rank = next((i for i, w in enumerate(wanted) if w in (lang, base)), None)
        if lang_rank is None:
            lang_rank = len(wanted) + (0 if not lang else 1)
        fmt = format_for(content_type=link.type, name=urlsplit(link.url).path)
        fmt_rank = FORMAT_PREFERENCE.index(fmt) if fmt in FORMAT_PREFERENCE else 99
        return lang_rank, fmt_rank

    return sorted(links, key=key)


class TranscriptSources:
    """Tries each source of an episode in order of preference; the first that parses wins."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        speech: SpeechToText | None,
        settings: SourceSettings | None = None,
    ) -> None:
        self._http = http
        self._speech = speech
        self._settings = settings or SourceSettings()

    async def load(self, e: EpisodeDiscovered) -> Transcript:
        failures: list[Exception] = []
        for source, attempt in self._attempts(e):
            try:
                return await attempt()
            except (PermanentError, TransientError) as exc:
                log.warning("transcript_source_failed", source=source, reason=str(exc))
                failures.append(exc)
        raise _combined(failures)

    def _attempts(self, e: EpisodeDiscovered) -> Iterator[tuple[str, Attempt]]:
        if e.text is not None:
            yield "inline", partial(self._inline, e.text, e.episode.source, e.text_format)
        for link in rank_links(e.transcripts, self._settings.languages):
            yield link.url, partial(self._fetch_transcript, link)
        if e.audio_url:
            yield e.audio_url, partial(self._transcribe, e.audio_url)

    async def _inline(self, text: str, name: str, fmt: str | None) -> Transcript:
        # The cap holds however a transcript arrives: an oversized one would stall every stage.
        data = text.encode()
        if len(data) > self._settings.max_bytes:
            raise PermanentError(f"inline transcript: over the {self._settings.max_bytes}-byte cap")
        return await _parse(data, name, fmt)

    async def _fetch_transcript(self, link: TranscriptLink) -> Transcript:
        if local := self._local_path(link.url):
            if local.stat().st_size > self._settings.max_bytes:
                raise PermanentError(f"{local}: over the {self._settings.max_bytes}-byte cap")
            data, served = await asyncio.to_thread(local.read_bytes), None
        else:
            data, served = await fetch_bytes(
                self._http, link.url, max_bytes=self._settings.max_bytes
            )
        return await _parse(data, urlsplit(link.url).path, link.type or served)

    async def _transcribe(self, url: str) -> Transcript:
        if self._speech is None:
            raise PermanentError("episode has only audio and speech-to-text is off")
        if local := self._local_path(url):
            return await transcribe_file(self._speech, local)
        with tempfile.TemporaryDirectory(prefix="newsdesk-audio-") as tmp:
            dest = Path(tmp) / (Path(urlsplit(url).path).name or "audio")
            await download_to_file(self._http, url, dest, max_bytes=self._settings.max_audio_bytes)
            return await transcribe_file(self._speech, dest)

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            return None
        if parts.scheme not in ("", "file") or not self._settings.allow_local_files:
            raise PermanentError(f"refusing {url!r}: not an http(s) URL")
        path = Path(unquote(parts.path) if parts.scheme else url)
        if not path.is_file():
            raise PermanentError(f"no such file: {path}")
        return path


async def load_file(path: Path, speech: SpeechToText | None) -> Transcript:
    """A file a user points at: a transcript in any supported format, or audio to transcribe."""
    with path.open("rb") as f:
        head = f.read(16)
    if looks_like_audio(path.name, head):
        if speech is None:
            raise PermanentError(f"{path.name} is audio and speech-to-text is off")
        return await transcribe_file(speech, path)
    return await _parse(await asyncio.to_thread(path.read_bytes), path.name, None)


async def transcribe_file(speech: SpeechToText, audio: Path) -> Transcript:
    """Speech-to-text of one local audio file, off the event loop."""
    fragments = await asyncio.to_thread(speech.transcribe, audio)
    try:
        return transcript_from_fragments(
            fragments, fmt=f"asr:{speech.name}", by_fragment=speech.by_fragment
        )
    except TranscriptError as exc:
        raise PermanentError(f"{audio.name}: {exc}") from exc


async def _parse(data: bytes, name: str, content_type: str | None) -> Transcript:
    try:
        return await asyncio.to_thread(parse_transcript, data, name=name, content_type=content_type)
    except TranscriptError as exc:
        raise PermanentError(f"{name or 'transcript'}: {exc}") from exc


def _combined(failures: list[Exception]) -> Exception:
    """Every source failed: retry when any failure may pass, else dead-letter with all reasons."""
    if not failures:
        return PermanentError("episode has no transcript, text or audio")
    reason = "; ".join(str(f) for f in failures)
    transient = [f for f in failures if isinstance(f, TransientError)]
    if transient:
        waits = [f.retry_after for f in transient if f.retry_after is not None]
        return TransientError(reason, retry_after=max(waits) if waits else None)
    return PermanentError(reason)
