"""`newsdesk bench transcribe`: speech-to-text real-time factor and parsing MB/s per format."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.cli.app import bench_app
from services.cli.sources import SAMPLE
from services.transcriber.asr import PocketSphinx
from services.transcriber.audio import MissingToolError, require_ffmpeg
from services.transcriber.core import parse_transcript, transcript_from_fragments

console = Console()


@bench_app.command("transcribe")
def bench_transcribe(
    audio: Annotated[
        Path | None,
        typer.Option(help="Audio to transcribe (default: speech synthesized with espeak-ng)."),
    ] = None,
    seconds: Annotated[float, typer.Option(min=1, help="Length of audio to transcribe.")] = 60.0,
    corpus_mb: Annotated[float, typer.Option(min=0.01, help="Size of each parsing corpus.")] = 1.0,
    rounds: Annotated[int, typer.Option(min=1, help="Timed parsing passes per format.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
) -> None:
    """Real-time factor of pocketsphinx on `--seconds` of audio, and parse MB/s per format."""
    lines = _body_lines()
    figures: dict[str, dict[str, float | str]] = {
        "speech_to_text": _bench_speech(audio, seconds, lines),
        "parse_mb_per_s": {
            fmt: _bench_parse(make(lines, int(corpus_mb * 1e6)), f"bench.{fmt}", rounds)
            for fmt, make in CORPORA.items()
        },
    }
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    for title, rows in figures.items():
        table = Table(title=title.replace("_", " "))
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in rows.items():
            table.add_row(key, f"{value:.3f}" if isinstance(value, float) else value)
        console.print(table)


def _bench_speech(
    audio: Path | None, seconds: float, lines: Sequence[str]
) -> dict[str, float | str]:
    try:
        require_ffmpeg()
    except MissingToolError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        clip = _clip(audio or _synthesize(lines, seconds, Path(tmp)), seconds, Path(tmp))
        started = time.perf_counter()
        engine = PocketSphinx()
        loaded = time.perf_counter()
        fragments = engine.transcribe(clip)
        done = time.perf_counter()
    words = sum(len(f.text.split()) for f in fragments)
    return {
        "backend": engine.name,
        "audio_s": seconds,
        "model_load_s": loaded - started,
        "transcribe_s": done - loaded,
        "real_time_factor": (done - loaded) / seconds,
        "words": float(words),
        "lines": float(len(transcript_from_fragments(fragments, by_fragment=True).cues)),
    }


def _synthesize(lines: Sequence[str], seconds: float, tmp: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        raise typer.BadParameter("install espeak-ng (apt-get install espeak-ng) or pass --audio")
    # ~2.5 words a second at 140 wpm; a margin so the clip is full after trimming.
    words = " ".join(lines).split()[: int(seconds * 3)]
    out = tmp / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us+f2", "-s", "140", "-w", str(out), " ".join(words)], check=True
    )
    return out


def _clip(audio: Path, seconds: float, tmp: Path) -> Path:
    """Exactly `seconds` of audio, padded with silence if the source is shorter."""
    if not audio.is_file():
        raise typer.BadParameter(f"no such file: {audio}")
    out = tmp / "clip.wav"
    decode = [require_ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(audio)]
    trim = ["-af", "apad", "-t", str(seconds), "-ac", "1", "-ar", "16000", str(out)]
    subprocess.run([*decode, *trim], check=True)
    return out


def _bench_parse(data: bytes, name: str, rounds: int) -> float:
    parse_transcript(data, name=name)  # warm-up: imports, regex compilation
    started = time.perf_counter()
    for _ in range(rounds):
        parse_transcript(data, name=name)
    return len(data) * rounds / (time.perf_counter() - started) / 1e6


# --- synthetic corpora of a target size, one per format ----------------------------------


def _body_lines() -> list[str]:
    transcript = parse_transcript(SAMPLE.read_bytes(), name=SAMPLE.name)
    return [line for line in transcript.text.split("\n") if line.strip()]


def _fragments(lines: Sequence[str], size: int) -> list[tuple[float, float, str, str]]:
    """Caption-sized pieces (start, end, speaker, text) of the lines, repeated up to `size`."""
    out: list[tuple[float, float, str, str]] = []
    clock, total, i = 0.0, 0, 0
    while total < size:
        words = lines[i % len(lines)].split()
        speaker = ("Host A", "Host B")[(i // 7) % 2]
        for k in range(0, len(words), 8):
            piece = " ".join(words[k : k + 8])
            out.append((clock, clock + 2.5, speaker, piece))
            clock, total = clock + 2.5, total + len(piece) + 40
        i += 1
    return out


def _stamp(s: float, sep: str = ".") -> str:
    return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}".replace(".", sep)


def _vtt(lines: Sequence[str], size: int) -> bytes:
    cues = (
        f"{_stamp(a)} --> {_stamp(b)}\n<v {who}>{text}\n"
        for a, b, who, text in _fragments(lines, size)
    )
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


def _srt(lines: Sequence[str], size: int) -> bytes:
    blocks = (
        f"{n}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n"
        for n, (a, b, _, text) in enumerate(_fragments(lines, size), 1)
    )
    return "\n".join(blocks).encode()


def _json(lines: Sequence[str], size: int) -> bytes:
    segments = [
        {"speaker": who, "startTime": a, "endTime": b, "body": text}
        for a, b, who, text in _fragments(lines, size)
    ]
    return json.dumps({"version": "1.0.0", "segments": segments}).encode()


def _html(lines: Sequence[str], size: int) -> bytes:
    body = "".join(
        f"<cite>{who}:</cite><time>{_stamp(a)}</time><p>{text}</p>\n"
        for a, _, who, text in _fragments(lines, size)
    )
    return f"<html><body>\n{body}</body></html>".encode()


def _repeat(lines: Sequence[str], size: int) -> str:
    out: list[str] = []
    total = 0
    while total < size:
        out.append(lines[len(out) % len(lines)])
        total += len(out[-1]) + 1
    return "\n".join(out)


def _markdown(lines: Sequence[str], size: int) -> bytes:
    header = "# Bench episode\n\n**Podcast:** Bench\n**Published:** 2026-01-01\n\n## Transcript\n\n"
    return (header + _repeat(lines, size)).encode()


def _text(lines: Sequence[str], size: int) -> bytes:
    return _repeat([f"Host {'AB'[i % 2]}: {line}" for i, line in enumerate(lines)], size).encode()


CORPORA: dict[str, Callable[[Sequence[str], int], bytes]] = {
    "markdown": _markdown,
    "text": _text,
    "vtt": _vtt,
    "srt": _srt,
    "json": _json,
    "html": _html,
}
