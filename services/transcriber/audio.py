"""Audio files → 16 kHz mono 16-bit PCM, decoded by ffmpeg and read as a stream or in chunks."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from services.runtime.errors import PermanentError

SAMPLE_RATE = 16_000
BYTES_PER_SECOND = SAMPLE_RATE * 2
FFMPEG_MISSING = (
    "ffmpeg is not installed or not on PATH; speech-to-text needs it to decode audio. "
    "Install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) "
    "or use episodes that come with a transcript."
)


class MissingToolError(RuntimeError):
    """A program speech-to-text needs is not installed: a set-up problem, said at start-up."""


AUDIO_SUFFIXES = frozenset(
    {".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4", ".mka"}
)
# Leading bytes of common audio containers: RIFF (WAV), ID3/MPEG sync (MP3), Ogg, FLAC, MP4.
_MAGIC = (
    b"RIFF",
    b"ID3",
    b"\xff\xfb",
    b"\xff\xf3",
    b"\xff\xf2",
    b"OggS",
    b"fLaC",
    b"\x1aE\xdf\xa3",
)


def looks_like_audio(name: str, head: bytes) -> bool:
    """Whether a file is audio, by its first bytes or else its suffix."""
    if head.startswith(_MAGIC) or head[4:8] == b"ftyp":
        return True
    return Path(name).suffix.lower() in AUDIO_SUFFIXES


def require_ffmpeg() -> str:
    """The ffmpeg executable, or MissingToolError with what to install."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise MissingToolError(FFMPEG_MISSING)
    return path


@contextmanager
def pcm_stream(audio: Path) -> Iterator[IO[bytes]]:
    """Decode `audio` with ffmpeg as it is read; unsupported media is a PermanentError."""
    with tempfile.TemporaryFile() as errors:
        # stderr goes to a file: a pipe left unread could fill up and stall ffmpeg.
        command = [require_ffmpeg(), "-nostdin", "-v", "error", "-i", str(audio), "-vn"]
        proc = subprocess.Popen(
            [*command, "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert proc.stdout is not None
        try:
            yield proc.stdout
            proc.stdout.read()  # drain, so a reader that stopped early still sees ffmpeg's verdict
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise PermanentError(f"unsupported or corrupt audio {audio.name}: {''.join(detail)}")


def pcm_chunks(pcm: IO[bytes], seconds: float) -> Iterator[bytes]:
    """Fixed-length PCM chunks, so long audio goes to a backend a piece at a time."""
    size = int(seconds * SAMPLE_RATE) * 2
    while chunk := pcm.read(size):
        yield chunk


def wav_bytes(pcm: bytes) -> bytes:
    """Wrap raw PCM in a WAV header, the format every transcription endpoint accepts."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
