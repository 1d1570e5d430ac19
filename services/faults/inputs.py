"""Bad input: the feed corpus through the fetcher's parser, broken transcripts and audio through
the workers; each must end in a result or a clear error, in bounded time."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import string
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from schemas import DeadLettered, EpisodeDiscovered, EpisodeInfo, TranscriptLink
from services.faults.cluster import LIMIT_S, Cluster, wait_for
from services.faults.outcome import Outcome
from services.faults.poison import letter_episode
from services.faults.tally import SHORT, TRANSCRIPTS
from services.fetcher.core import parse_feed
from services.runtime.entries import Entry, read_range

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
CORPUS = FIXTURES / "feed-corpus"
#: CPU seconds, not wall seconds: a loaded machine makes a parse slower, not longer.
PER_FEED_S = 2.0
#: A broken transcript not ended when the workers have done nothing for this long never will.
SWEEP_S = 120.0
BIG_BYTES = 50 * 1024 * 1024
#: Low, so that mid-sized bad input also travels as a blob.
INLINE_MAX = 16 * 1024
# The corpus states the HTTP headers each file was served with in a leading comment.
_HEADER = re.compile(rb"^Header:\s*([^:\r\n]+):\s*(.*?)\s*$", re.MULTILINE)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def sweep_feed(path: Path) -> str | None:
    """Why one corpus file was not handled (a crash, a slow parse, no reason given), or None."""
    data = path.read_bytes()
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in _HEADER.findall(data[:4096])}
    started = time.thread_time()
    try:
        feed = parse_feed(data, headers, "fault-suite")
    except Exception as exc:  # a crash is exactly what the sweep is looking for
        return f"{path.name}: parse_feed raised {exc!r}"
    if time.thread_time() - started > PER_FEED_S:
        return f"{path.name}: took over {PER_FEED_S:g} s of CPU"
    if not feed.episodes and not feed.failure:
        return f"{path.name}: no episodes and no reason"
    return None


@dataclass(frozen=True)
class BadInput:
    what: str
    event: EpisodeDiscovered

    @property
    def episode_id(self) -> str:
        return self.event.episode.episode_id


def _episode(n: int, what: str, **fields: object) -> BadInput:
    info = EpisodeInfo(episode_id=f"bad-input-{n}", source=what)
    return BadInput(what, EpisodeDiscovered(episode=info, producer="fault-suite", **fields))


def speech_wav(path: Path) -> Path:
    """A few seconds of speech (espeak-ng), or of a tone where espeak-ng is missing."""
    espeak = shutil.which("espeak-ng")
    if espeak:
        line = "The river rose overnight, and thousands left their homes along the valley."
        subprocess.run([espeak, "-w", str(path), line], check=True, timeout=60)
        return path
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(bytes(2 * 16_000 * 3))
    return path


def _cut(source: Path, dest: Path, size: int) -> str:
    dest.write_bytes(source.read_bytes()[:size])
    return dest.as_uri()


def bad_transcripts(workdir: Path) -> list[BadInput]:
    """Broken, hostile or merely unusual episodes, each under its own episode id."""
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    noise = bytes(rng.randrange(256) for _ in range(64 * 1024))
    (workdir / "noise.vtt").write_bytes(noise)
    letters = string.ascii_letters + string.digits + string.punctuation + "      \n"
    wav = speech_wav(workdir / "speech.wav")
    size = wav.stat().st_size
    malformed = TRANSCRIPTS

    def link(path: Path, kind: str = "") -> dict[str, object]:
        return {"transcripts": [TranscriptLink(url=path.as_uri(), type=kind)]}

    cases: list[tuple[str, dict[str, object]]] = [
        ("garbage text", {"text": "".join(rng.choice(letters) for _ in range(20_000))}),
        ("binary bytes as inline text", {"text": noise.decode("latin-1")}),
        ("binary file served as VTT", link(workdir / "noise.vtt", "text/vtt")),
        ("empty transcript", {"text": ""}),
        ("whitespace-only transcript", {"text": " \n\t\n  \n"}),
        ("50 MB transcript", {"text": _big_text(BIG_BYTES)}),
        ("2 MB on one line, no punctuation", {"text": "word " * 400_000}),
        ("Spanish transcript", {"text": (FIXTURES / "faults" / "noticias_es.txt").read_text()}),
        ("Chinese transcript", {"text": (FIXTURES / "faults" / "xinwen_zh.txt").read_text()}),
        ("malformed SRT", link(malformed / "malformed.srt")),
        ("malformed VTT", link(malformed / "malformed.vtt")),
        ("truncated WAV", {"audio_url": _cut(wav, workdir / "cut.wav", size * 3 // 5)}),
        ("WAV header only", {"audio_url": _cut(wav, workdir / "head.wav", 44)}),
    ]
    return [_episode(n, what, **fields) for n, (what, fields) in enumerate(cases)]


def _big_text(size: int) -> str:
    paragraph = SHORT[0].read_text()
    return (paragraph * (size // len(paragraph) + 1))[:size]


class Letters:
    """The dead-letter stream, read as it grows (a 50 MB letter is read once, not per look)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.by_episode: dict[str | None, Entry] = {}
        self._after = "-"

    async def update(self) -> None:
        async for entry in read_range(self.cluster.client, DeadLettered.stream, self._after):
            self.by_episode.setdefault(letter_episode(entry), entry)
            self._after = "(" + entry.entry_id


async def ending(cluster: Cluster, letters: Letters, item: BadInput) -> str | None:
    """How an input ended: dead-lettered (with why) or stored whole; None while in flight."""
    letter = letters.by_episode.get(item.episode_id)
    if letter is not None:
        reason = " ".join(str(letter.get("reason")).split())[:120]
        return f"{letter.get('stage')}: {letter.get('error_type')}: {reason}"
    rows = await cluster.episode_segments(item.episode_id)
    if rows and len(rows) == rows[0].count:
        return f"stored: {len(rows)} segments, {sum(r.kind == 'story' for r in rows)} stories"
    return None


async def bad_inputs(root: Path) -> Outcome:
    """The feed corpus, then broken transcripts and audio through one pipeline process."""
    outcome = Outcome("bad input sweep")
    for path in corpus_files():
        failure = await asyncio.to_thread(sweep_feed, path)
        outcome.bad_input(failure is None, failure or "")
    inputs = bad_transcripts(root / "inputs")
    env = {"NEWSDESK_TRANSCRIPT_INLINE_MAX": str(INLINE_MAX)}
    async with Cluster(root / "cluster", env) as cluster:
        worker = await cluster.start("pipeline")
        await cluster.publish([item.event for item in inputs])
        letters = Letters(cluster)

        async def all_ended() -> bool:
            await letters.update()
            ends = [await ending(cluster, letters, item) for item in inputs]
            return all(ends) and await cluster.backlog() == 0

        await wait_for(all_ended, SWEEP_S, every_s=0.5, progress=cluster.progress)
        ends = [await ending(cluster, letters, item) for item in inputs]
        alive = worker.alive()
    stalled = f"not ended ({SWEEP_S:g} s with nothing done, or {LIMIT_S:g} s in all)"
    for item, end in zip(inputs, ends, strict=True):
        handled = alive and end is not None and "DeliveryLimitExceeded" not in end
        outcome.bad_input(handled, f"{item.what} → {end or stalled}")
    return outcome
