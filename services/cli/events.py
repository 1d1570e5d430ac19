"""`newsdesk events tail|show`: the entries of one stream, decoded, as a table or JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.json import JSON
from rich.table import Table

from services.cli.app import app
from services.cli.inspection import (
    STREAM_HELP,
    detail,
    entry_id_arg,
    fail,
    iso,
    open_redis,
    resolve_stream,
    segment_label,
    stop_on_signals,
)
from services.cli.runtime import load_settings
from services.runtime.entries import Entry, decode_rows, entry_ms, read_entry, short_name
from services.runtime.settings import Settings

events_app = typer.Typer(help="Look at the entries of one stream.", no_args_is_help=True)
app.add_typer(events_app, name="events")
console = Console()

StreamArg = Annotated[str, typer.Argument(help=STREAM_HELP, show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (one object per line).")]


def entry_json(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stream": entry.stream,
        "entry_id": entry.entry_id,
        "time": iso(entry_ms(entry.entry_id)),
        "headers": entry.headers,
    }
    if entry.body is None:
        out["raw"] = entry.raw.decode("utf-8", "replace")
    else:
        out["body"] = entry.body
    return out


def row(entry: Entry) -> list[str]:
    body = entry.body or {}
    return [entry.entry_id, iso(entry_ms(entry.entry_id))[11:23],
            str(body.get("event_type") or "?"), str(entry.episode_id or ""),
            segment_label(entry), str(body.get("producer") or ""),
            "replay" if body.get("replay") else "", detail(entry.body)]  # fmt: skip


def entries_table(stream: str, entries: Sequence[Entry]) -> Table:
    table = Table(title=f"{short_name(stream)}: last {len(entries)}", title_justify="left")
    for column in ("entry", "time (UTC)", "event", "episode", "segment", "producer", "", "detail"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(*row(entry))
    return table


async def _follow(client: Redis, stream: str, last_id: str, as_json: bool) -> None:
    stop = stop_on_signals()
    while not stop.is_set():
        reply: Any = await client.xread({stream: last_id}, block=500, count=100)
        for _name, rows in reply or []:
            for entry in decode_rows(stream, rows):
                last_id = entry.entry_id
                if as_json:
                    typer.echo(json.dumps(entry_json(entry)))
                else:
                    console.print("  ".join(row(entry)), highlight=False, soft_wrap=True)


async def _tail(settings: Settings, stream: str, count: int, follow: bool, as_json: bool) -> None:
    async with open_redis(settings) as client:
        newest = decode_rows(stream, await client.xrevrange(stream, count=count))
        entries = newest[::-1]
        if as_json:
            for entry in entries:
                typer.echo(json.dumps(entry_json(entry)))
        else:
            console.print(entries_table(stream, entries))
        if follow:
            # `$` would miss entries added between the read above and the first XREAD.
            await _follow(client, stream, entries[-1].entry_id if entries else "0-0", as_json)


@events_app.command("tail")
def tail(
    stream: StreamArg,
    count: Annotated[int, typer.Option("-n", "--count", help="How many entries.", min=1)] = 20,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The newest entries of a stream, oldest first; `--follow` waits for more until Ctrl-C."""
    asyncio.run(_tail(load_settings(), resolve_stream(stream), count, follow, as_json))


async def _show(settings: Settings, stream: str, entry_id: str, as_json: bool) -> None:
    async with open_redis(settings) as client:
        entry = await read_entry(client, stream, entry_id)
    if entry is None:
        raise fail(f"no entry {entry_id} in {stream} (trimmed by retention, or a typo?)")
    if as_json:
        typer.echo(json.dumps(entry_json(entry), indent=2))
        return
    console.print(f"[bold]{stream}[/] {entry.entry_id}  {iso(entry_ms(entry.entry_id))}")
    console.print(f"headers: {entry.headers}", highlight=False)
    if entry.body is None:
        console.print(entry.raw.decode("utf-8", "replace"), highlight=False)
    else:
        console.print(JSON.from_data(entry.body))


@events_app.command("show")
def show(
    stream: StreamArg,
    entry_id: Annotated[
        str, typer.Argument(help="An entry id, e.g. 1714380000000-0.", callback=entry_id_arg)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One entry in full: its time, FastStream headers and the event it carries."""
    name = resolve_stream(stream)
    asyncio.run(_show(load_settings(), name, entry_id, as_json))
