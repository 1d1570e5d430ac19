"""`newsdesk status`: streams, consumer groups and dead letters, as tables or JSON."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from typing import Annotated, Any

import typer
from redis.asyncio import Redis
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from schemas import DeadLettered
from services.cli.app import app
from services.cli.inspection import (
    active,
    ago,
    now_ms,
    open_redis,
    stop_on_signals,
)
from services.cli.runtime import load_settings
from services.runtime.entries import as_text, entry_ms, event_streams, read_range, short_name
from services.runtime.retention import retention_for
from services.runtime.settings import Settings

console = Console()


def _first_id(info: dict[Any, Any], key: str) -> str | None:
    entry = info.get(key)
    return as_text(entry[0]) if entry else None


async def stream_status(client: Redis, stream: str, settings: Settings) -> dict[str, Any]:
    info = await client.xinfo_stream(stream)
    first, last = _first_id(info, "first-entry"), _first_id(info, "last-entry")
    added = info.get("entries-added")
    return {
        "stream": stream,
        "length": int(info["length"]),
        "first_id": first,
        "last_id": last,
        "first_ms": entry_ms(first) if first else None,
        "last_ms": entry_ms(last) if last else None,
        "retention": retention_for(stream, settings).describe(),
        # Redis ≥ 7 counts every entry ever added; the difference was trimmed or deleted.
        "removed": int(added) - int(info["length"]) if added is not None else None,
    }


async def _lag(client: Redis, stream: str, info: dict[Any, Any]) -> int:
    """XINFO's lag (Redis ≥ 7, when it knows it); otherwise count what lies past the group."""
    if isinstance(info.get("lag"), int):
        return int(info["lag"])
    after = "(" + as_text(info["last-delivered-id"])
    return sum([1 async for _ in read_range(client, stream, start=after)])


async def group_status(client: Redis, stream: str, info: dict[Any, Any]) -> dict[str, Any]:
    group = as_text(info["name"])
    consumers = await client.xinfo_consumers(stream, group)
    oldest = await client.xpending_range(stream, group, min="-", max="+", count=1)
    oldest_id = as_text(oldest[0]["message_id"]) if oldest else None
    return {
        "stream": stream,
        "group": group,
        "consumers": len(consumers),
        "active_consumers": sum(1 for c in consumers if active(c)),
        "lag": await _lag(client, stream, info),
        "pending": int(info["pending"]),
        "last_delivered_id": as_text(info["last-delivered-id"]),
        "oldest_pending_id": oldest_id,
        "oldest_pending_ms": entry_ms(oldest_id) if oldest_id else None,
        "oldest_pending_idle_ms": int(oldest[0]["time_since_delivered"]) if oldest else None,
    }


async def dead_letter_counts(client: Redis) -> dict[str, int]:
    stages: Counter[str] = Counter()
    async for entry in read_range(client, DeadLettered.stream):
        stages[str(entry.get("stage") or "?")] += 1
    return dict(sorted(stages.items()))


async def collect_status(client: Redis, settings: Settings) -> dict[str, Any]:
    """Everything `status` shows, as plain data."""
    streams, groups = [], []
    for stream in await event_streams(client):
        streams.append(await stream_status(client, stream, settings))
        for info in await client.xinfo_groups(stream):
            groups.append(await group_status(client, stream, info))
    letters = await dead_letter_counts(client)
    return {
        "now_ms": now_ms(),
        "streams": streams,
        "groups": groups,
        "dead_letters": {"total": sum(letters.values()), "by_stage": letters},
    }


def render(status: dict[str, Any]) -> Group:
    now = status["now_ms"]
    streams = Table(title="streams", title_justify="left")
    for column in ("stream", "length", "first entry", "last entry", "retention", "removed"):
        streams.add_column(column, justify="right" if column == "length" else "left")
    for s in status["streams"]:
        removed = "" if s["removed"] is None else str(s["removed"])
        first, last = _at(s["first_id"], s["first_ms"], now), _at(s["last_id"], s["last_ms"], now)
        streams.add_row(short_name(s["stream"]), str(s["length"]), first, last, s["retention"],
                        removed)  # fmt: skip
    groups = Table(title="consumer groups", title_justify="left")
    for column in ("stream", "group", "consumers", "lag", "pending", "oldest pending"):
        groups.add_column(column, justify="left" if column in ("stream", "group") else "right")
    for g in status["groups"]:
        oldest = f"{ago(g['oldest_pending_ms'], now)} old" if g["oldest_pending_id"] else ""
        groups.add_row(short_name(g["stream"]), g["group"],
                       f"{g['consumers']} ({g['active_consumers']} active)", str(g["lag"]),
                       str(g["pending"]), oldest)  # fmt: skip
    letters = status["dead_letters"]
    by_stage = ", ".join(f"{stage}: {n}" for stage, n in letters["by_stage"].items())
    summary = f"dead letters: {letters['total']}" + (f" ({by_stage})" if by_stage else "")
    style = "bold red" if letters["total"] else "green"
    return Group(streams, groups, f"[{style}]{summary}[/]")


def _at(entry_id: str | None, ms: int | None, now: int) -> str:
    return f"{entry_id} ({ago(ms, now)} ago)" if entry_id else "—"


async def _status(settings: Settings, as_json: bool, watch: bool, interval: float) -> None:
    async with open_redis(settings) as client:
        if not watch:
            status = await collect_status(client, settings)
            if as_json:
                typer.echo(json.dumps(status, indent=2))
            else:
                console.print(render(status))
            return
        stop = stop_on_signals()
        with Live(console=console, auto_refresh=False) as live:
            while not stop.is_set():
                live.update(render(await collect_status(client, settings)), refresh=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes.", min=0.2)] = 2.0,
) -> None:
    """Streams, consumer groups and dead letters at a glance.

    Per stream its length, first and last entry and retention; per consumer group its lag,
    pending entries, consumers and the age of the oldest pending entry; dead letters per
    stage. A consumer is active when it polled in the last 3 s (Redis ≥ 7.2; older servers
    only tell when it was last handed an entry).

    Reads NEWSDESK_REDIS_URL, or starts the embedded Redis on the data `newsdesk demo` left.
    """
    if as_json and watch:
        raise typer.BadParameter("--json and --watch do not mix; poll `status --json` instead")
    asyncio.run(_status(load_settings(), as_json, watch, interval))
