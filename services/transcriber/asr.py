"""Audio file → timed text fragments, by pocketsphinx, faster-whisper or an OpenAI-style API."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.errors import PermanentError, TransientError
from services.transcriber.audio import (
    BYTES_PER_SECOND,
    SAMPLE_RATE,
    pcm_chunks,
    pcm_stream,
    require_ffmpeg,
    wav_bytes,
)
from services.transcriber.http import error_for_exception, error_for_response
from services.transcriber.sentences import Fragment

Backend = Literal["auto", "pocketsphinx", "faster-whisper", "openai"]


class SpeechToText(Protocol):
    """Anything that turns an audio file into timed fragments; called off the event loop."""

    name: str
    by_fragment: bool  # True when output is unpunctuated, so fragments are the lines

    def transcribe(self, audio: Path) -> list[Fragment]: ...


class AsrSettings(BaseSettings):
    """Speech-to-text knobs, `NEWSDESK_ASR_*`; `auto` picks API, then Whisper, then Sphinx."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_ASR_", env_file=".env", extra="ignore")

    backend: Backend = "auto"
    language: str | None = None
    whisper_model: str | None = None  # a local path or an already-downloaded model name
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    api_url: str | None = None  # base URL; `/v1/audio/transcriptions` is appended
    api_key: SecretStr | None = None
    api_model: str = "whisper-1"
    api_chunk_s: float = 600.0  # 10 min of 16 kHz mono WAV is ~19 MB, under OpenAI's 25 MB
    api_timeout_s: float = 300.0
    max_utterance_s: float = 20.0


def build_speech_to_text(settings: AsrSettings) -> SpeechToText:
    """The configured backend; raises MissingToolError when ffmpeg is needed and missing."""
    backend = settings.backend
    if backend == "auto":
        backend = "openai" if settings.api_url else "pocketsphinx"
        if not settings.api_url and settings.whisper_model and _installed("faster_whisper"):
            backend = "faster-whisper"
    if backend == "openai":
        if not settings.api_url:
            raise ValueError("NEWSDESK_ASR_API_URL is required for the openai backend")
        require_ffmpeg()
        return OpenAICompatible(settings.api_url, settings)
    if backend == "faster-whisper":
        return FasterWhisper(settings)
    require_ffmpeg()
    return PocketSphinx(max_utterance_s=settings.max_utterance_s)


class PocketSphinx:
    """Offline, bundled English model; fast and low accuracy (run-on, unpunctuated text)."""

    name = "pocketsphinx"
    by_fragment = True

    def __init__(self, *, max_utterance_s: float = 20.0) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self._lock = threading.Lock()  # one decoder, and a worker may run jobs in threads
        self._max_utterance_s = max_utterance_s

    def transcribe(self, audio: Path) -> list[Fragment]:
        with pcm_stream(audio) as pcm:
            return [
                Fragment(self._decode(speech), start, end)
                for start, end, speech in utterances(pcm, max_s=self._max_utterance_s)
            ]

    def _decode(self, speech: bytes) -> str:
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(speech, full_utt=True)
            self._decoder.end_utt()
            hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis else ""


def utterances(pcm: IO[bytes], *, max_s: float) -> Iterator[tuple[float, float, bytes]]:
    """Speech regions found by voice activity detection, cut at `max_s` when nobody pauses."""
    from pocketsphinx import Endpointer

    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frames: list[bytes] = []
    start: float | None = None  # where the pending piece of speech began
    frame = pcm.read(endpointer.frame_bytes)
    while frame:
        following = pcm.read(endpointer.frame_bytes)
        # The last frame goes to end_stream, which flushes speech still being buffered.
        last = len(frame) < endpointer.frame_bytes or not following
        speech = endpointer.end_stream(frame) if last else endpointer.process(frame)
        if speech is not None:
            start = endpointer.speech_start if start is None else start
            frames.append(speech)
        duration = sum(map(len, frames)) / BYTES_PER_SECOND  # end_stream may flush several
        if start is not None and (not endpointer.in_speech or last or duration >= max_s):
            yield round(start, 3), round(start + duration, 3), b"".join(frames)
            frames = []
            start = start + duration if endpointer.in_speech and not last else None
        frame = b"" if last else following


class FasterWhisper:
    """Whisper via CTranslate2, when installed; the model is the user's, never downloaded."""

    name = "faster-whisper"
    by_fragment = False

    def __init__(self, settings: AsrSettings) -> None:
        if not _installed("faster_whisper") or not settings.whisper_model:
            raise ValueError(
                "the faster-whisper backend needs `pip install faster-whisper` and "
                "NEWSDESK_ASR_WHISPER_MODEL (a local model path or a cached model name)"
            )
        from faster_whisper import WhisperModel

        self._model: Any = WhisperModel(
            settings.whisper_model,
            device=settings.whisper_device,
            compute_type=settings.whisper_compute_type,
            local_files_only=True,
        )
        self._language = settings.language

    def transcribe(self, audio: Path) -> list[Fragment]:
        # Whisper walks long audio in 30-second windows itself; segments come back lazily.
        segments, _ = self._model.transcribe(str(audio), language=self._language, vad_filter=True)
        return [Fragment(s.text, float(s.start), float(s.end)) for s in segments]


class OpenAICompatible:
    """POST /v1/audio/transcriptions (OpenAI, faster-whisper-server, whisper.cpp) per chunk."""

    name = "openai"
    by_fragment = False

    def __init__(
        self, base_url: str, settings: AsrSettings, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._url = base_url.rstrip("/").removesuffix("/v1") + "/v1/audio/transcriptions"
        key = settings.api_key.get_secret_value() if settings.api_key else None
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._settings = settings
        self._transport = transport

    def transcribe(self, audio: Path) -> list[Fragment]:
        fragments: list[Fragment] = []
        offset = 0.0
        timeout = httpx.Timeout(self._settings.api_timeout_s, connect=10.0)
        with (
            httpx.Client(timeout=timeout, transport=self._transport) as client,
            pcm_stream(audio) as pcm,
        ):
            for chunk in pcm_chunks(pcm, self._settings.api_chunk_s):
                duration = len(chunk) / BYTES_PER_SECOND
                fragments += _shifted(self._post(client, chunk), offset, duration)
                offset += duration
        return fragments

    def _post(self, client: httpx.Client, chunk: bytes) -> dict[str, Any]:
        data = {"model": self._settings.api_model, "response_format": "verbose_json"}
        if self._settings.language:
            data["language"] = self._settings.language
        try:
            response = client.post(
                self._url,
                headers=self._headers,
                data=data,
                files={"file": ("audio.wav", wav_bytes(chunk), "audio/wav")},
            )
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, "transcription API") from exc
        if error := error_for_response(response, "transcription API"):
            raise error
        try:
            body = response.json()
        except ValueError as exc:
            raise TransientError("transcription API: response is not JSON") from exc
        if not isinstance(body, dict):
            raise PermanentError("transcription API: unexpected response shape")
        return body


def _shifted(body: dict[str, Any], offset: float, duration: float) -> list[Fragment]:
    """Segments with times moved to the chunk's place; a bare `text` spans the whole chunk."""
    segments = body.get("segments")
    if not isinstance(segments, list):
        return [Fragment(str(body.get("text", "")), offset, offset + duration)]
    return [
        Fragment(str(s.get("text", "")), offset + float(s["start"]), offset + float(s["end"]))
        for s in segments
        if isinstance(s, dict) and "start" in s and "end" in s
    ]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
