"""`newsdesk trace`: one episode's events across every stream, in time order, timed per stage."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Annotated, Any

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from schemas import StorySummarized
from services.cli.app import app
from services.cli.inspection import (
    StoreView,
    db_ms,
    detail,
    fail,
    iso,
    open_redis,
    open_store,
    segment_label,
    subject,
)
from services.cli.runtime import load_settings
from services.runtime.entries import Entry, entry_ms, event_streams, read_range, short_name
from services.runtime.settings import Settings

console = Console()


@dataclass(frozen=True)
class Step:
    """One thing that happened to the episode: an event on a stream, a row stored, a delivery."""

    ms: int
    stage: str
    what: str
    segment: str
    detail: str
    ref: str
    replay: bool = False


@dataclass(frozen=True)
class StageTiming:
    """How long a stage took from each input's arrival to its last output, over one trace."""

    stage: str
    inputs: int
    outputs: int
    started_ms: int
    finished_ms: int
    median_ms: float
    max_ms: int
    note: str = ""


def belongs(entry: Entry, key: str) -> bool:
    body = subject(entry)
    episode = body.get("episode")
    episode_id = episode.get("episode_id") if isinstance(episode, dict) else None
    return key in (episode_id, body.get("correlation_id"))


async def find_entries(client: Redis, key: str) -> list[Entry]:
    """Every retained entry of the episode (or correlation) `key`, in time order."""
    found = []
    for stream in await event_streams(client):
        entries = read_range(client, stream, containing=key.encode())
        found += [e async for e in entries if belongs(e, key)]
    return sorted(found, key=lambda e: entry_ms(e.entry_id))


def event_steps(entries: Iterable[Entry]) -> list[Step]:
    return [Step(ms=entry_ms(e.entry_id), stage=str(e.get("producer") or "?"),
                 what=f"{e.get('event_type') or '?'} → {short_name(e.stream)}",
                 segment=segment_label(e), detail=detail(e.body), ref=e.entry_id,
                 replay=bool(e.get("replay"))) for e in entries]  # fmt: skip


def stage_timings(entries: Sequence[Entry]) -> list[StageTiming]:
    """Per producing stage: inputs it turned into events, and input→last-output times."""
    by_id = {e.get("event_id"): e for e in entries}
    outputs: dict[tuple[str, str], list[int]] = {}
    for e in entries:
        parent = by_id.get(e.get("causation_id"))
        if parent is not None:
            key = (str(e.get("producer") or "?"), parent.entry_id)
            outputs.setdefault(key, []).append(entry_ms(e.entry_id))
    stages: dict[str, list[tuple[int, list[int]]]] = {}
    for (stage, parent_id), times in outputs.items():
        stages.setdefault(stage, []).append((entry_ms(parent_id), times))
    return [_timing(stage, handled) for stage, handled in stages.items()]


def _timing(stage: str, handled: list[tuple[int, list[int]]]) -> StageTiming:
    took = [max(times) - arrived for arrived, times in handled]
    return StageTiming(
        stage=stage,
        inputs=len(handled),
        outputs=sum(len(times) for _, times in handled),
        started_ms=min(arrived for arrived, _ in handled),
        finished_ms=max(max(times) for _, times in handled),
        median_ms=statistics.median(took),
        max_ms=max(took),
    )


def _written(caused_at: int, stored_at: int | None) -> tuple[int, bool]:
    """When a row was written, and whether that time is coarse. SQLite's server clock keeps
    whole seconds, so a write in the same second as its cause reads as earlier than it."""
    if stored_at is None or stored_at < caused_at:
        return caused_at, True
    return stored_at, False


def _db_stage(stage: str, done: list[tuple[int, int | None]]) -> StageTiming | None:
    """Timing of a stage known only from the store: (caused at, stored at) pairs."""
    written = [(caused, _written(caused, stored)) for caused, stored in done]
    if not written:
        return None
    timing = _timing(stage, [(caused, [at]) for caused, (at, _) in written])
    coarse = any(is_coarse for _, (_, is_coarse) in written)
    return replace(timing, note="store clock keeps whole seconds" if coarse else "")


async def store_steps(
    view: StoreView, episode_ids: set[str], summarized: dict[str, list[int]]
) -> tuple[list[Step], list[StageTiming]]:
    """Rows the store wrote and deliveries the notifier made, timed from their StorySummarized
    (a row from the latest one, since replays rewrite it; a delivery from the first)."""
    rows = [r for ep in episode_ids for r in await view.stories.segments(episode_id=ep)]
    saved = [(r, summarized[r.segment_id][-1], db_ms(r.updated_at)) for r in rows
             if r.segment_id in summarized]  # fmt: skip
    steps = [Step(_written(caused, at)[0], "store", "segment row saved", f"#{r.index} {r.kind}",
                  f"section={r.section}", r.segment_id) for r, caused, at in saved]  # fmt: skip
    sent = [(d, summarized[d.story_id][0]) for d in await view.deliveries(summarized)]
    steps += [Step(db_ms(d.delivered_at) or db_ms(d.updated_at) or caused, "notifier",
                   f"delivery {d.status}", "", f"attempts={d.attempts} "
                   f"status={d.last_status_code or ''}", d.delivery_id)
              for d, caused in sent]  # fmt: skip
    timings = [_db_stage("store", [(caused, at) for _, caused, at in saved]),
               _db_stage("notifier", [(caused, db_ms(d.delivered_at)) for d, caused in sent
                                      if d.delivered_at])]  # fmt: skip
    return steps, [t for t in timings if t is not None]


async def collect_trace(client: Redis, settings: Settings, key: str) -> dict[str, Any]:
    entries = await find_entries(client, key)
    if not entries:
        raise fail(f"no retained event belongs to episode or correlation {key!r}")
    steps, timings = event_steps(entries), stage_timings(entries)
    episode_ids = {e.episode_id for e in entries if e.episode_id}
    summarized: dict[str, list[int]] = {}
    for e in entries:
        segment = e.get("segment")
        if e.stream == StorySummarized.stream and isinstance(segment, dict):
            summarized.setdefault(str(segment.get("segment_id")), []).append(entry_ms(e.entry_id))
    async with open_store(settings) as view:
        if view is not None and summarized:
            more_steps, more_timings = await store_steps(view, episode_ids, summarized)
            steps, timings = steps + more_steps, timings + more_timings
    return {
        "key": key,
        "episode_ids": sorted(episode_ids),
        "correlation_ids": sorted({str(subject(e).get("correlation_id")) for e in entries}),
        "steps": [asdict(s) for s in sorted(steps, key=lambda s: s.ms)],
        "stages": [asdict(t) for t in sorted(timings, key=lambda t: t.started_ms)],
    }


def _duration(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def render(trace: dict[str, Any]) -> None:
    steps, stages = trace["steps"], trace["stages"]
    start = steps[0]["ms"]
    total = steps[-1]["ms"] - start
    console.print(f"[bold]episode {', '.join(trace['episode_ids'])}[/]: {len(steps)} steps"
                  f" over {_duration(total)}, from {iso(start)}")  # fmt: skip
    timeline = Table(title="path", title_justify="left")
    for column in ("+time", "stage", "what", "segment", "detail", "entry / id"):
        timeline.add_column(
            column, overflow="fold", justify="right" if column == "+time" else "left"
        )
    for s in steps:
        what = s["what"] + (" [yellow](replay)[/]" if s["replay"] else "")
        timeline.add_row(_duration(s["ms"] - start), s["stage"], what, s["segment"],
                         s["detail"], s["ref"])  # fmt: skip
    console.print(timeline)
    table = Table(title="time per stage (input arrival → last output)", title_justify="left")
    for column in ("stage", "in", "out", "from", "to", "span", "median", "max", "note"):
        table.add_column(column, justify="left" if column in ("stage", "note") else "right")
    for t in stages:
        table.add_row(t["stage"], str(t["inputs"]), str(t["outputs"]),
                      _duration(t["started_ms"] - start), _duration(t["finished_ms"] - start),
                      _duration(t["finished_ms"] - t["started_ms"]), _duration(t["median_ms"]),
                      _duration(t["max_ms"]), t["note"])  # fmt: skip
    console.print(table)


async def _trace(settings: Settings, key: str, as_json: bool) -> None:
    async with open_redis(settings) as client:
        trace = await collect_trace(client, settings, key)
    if as_json:
        typer.echo(json.dumps(trace, indent=2))
    else:
        render(trace)


@app.command()
def trace(
    key: Annotated[str, typer.Argument(help="An episode id or a correlation id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Follow one episode through every stage, with the time each stage took.

    Every event of the episode (or correlation id) across all streams in time order, what
    the store and the notifier did with it, and per stage the time from an input's arrival
    to its last output. Only what the streams still retain is shown; the store keeps the
    results for good.
    """
    asyncio.run(_trace(load_settings(), key, as_json))
