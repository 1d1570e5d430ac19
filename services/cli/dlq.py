"""`newsdesk dlq list|show|requeue|purge`: dead letters → a look, back to their stream, or gone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from redis.asyncio import Redis
from rich.console import Console
from rich.json import JSON
from rich.table import Table

from schemas import DeadLettered
from services.cli.app import app
from services.cli.inspection import (
    entry_id_arg,
    fail,
    iso,
    open_redis,
    parse_position,
    position_ms,
    subject,
)
from services.cli.runtime import load_settings
from services.runtime.entries import (
    EVENTS_BY_STREAM,
    Entry,
    append,
    entry_ms,
    read_entry,
    read_range,
    short_name,
)
from services.runtime.settings import Settings

dlq_app = typer.Typer(
    help="Dead letters: events a stage gave up on. Look at them, requeue them once the cause"
    " is fixed, or purge them.",
    no_args_is_help=True,
)
app.add_typer(dlq_app, name="dlq")
console = Console()

StageOption = Annotated[str | None, typer.Option(help="Only letters from this stage.")]
SinceOption = Annotated[
    str | None, typer.Option(help="Only letters since: an entry id, a time or an age (2h).")
]
IdsArgument = Annotated[
    list[str] | None, typer.Argument(help="Letter entry ids (see `dlq list`).", show_default=False)
]
AllOption = Annotated[bool, typer.Option("--all", help="Every letter the filters match.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


async def letters(
    client: Redis,
    *,
    ids: Sequence[str] = (),
    stage: str | None = None,
    since: str | None = None,
) -> list[Entry]:
    """The dead letters named, or those matching the filters, oldest first."""
    if ids:
        found = [await read_entry(client, DeadLettered.stream, i) for i in ids]
        missing = [i for i, e in zip(ids, found, strict=True) if e is None]
        if missing:
            raise fail(f"no dead letter {', '.join(missing)}")
        selected = [e for e in found if e is not None]
    else:
        selected = [e async for e in read_range(client, DeadLettered.stream)]
    start_ms = position_ms(parse_position(since)) if since else 0
    return [e for e in selected if (stage is None or e.get("stage") == stage)
            and entry_ms(e.entry_id) >= start_ms]  # fmt: skip


def letter_json(entry: Entry) -> dict[str, Any]:
    original = subject(entry)
    episode = original.get("episode")
    return {
        "letter_id": entry.entry_id,
        "time": iso(entry_ms(entry.entry_id)),
        "stage": entry.get("stage"),
        "error_type": entry.get("error_type"),
        "reason": entry.get("reason"),
        "delivery_count": entry.get("delivery_count"),
        "original_stream": entry.get("original_stream"),
        "original_entry_id": entry.get("original_entry_id"),
        "episode_id": episode.get("episode_id") if isinstance(episode, dict) else None,
        "original_payload": entry.get("original_payload"),
    }


def letters_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(rows)} dead letters", title_justify="left")
    for column in ("letter", "time (UTC)", "stage", "error", "tries", "from", "episode", "reason"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["letter_id"], r["time"][:19], str(r["stage"]), str(r["error_type"]),
                      str(r["delivery_count"]), short_name(str(r["original_stream"])),
                      str(r["episode_id"] or ""), str(r["reason"])[:200])  # fmt: skip
    return table


def _selection(ids: list[str] | None, stage: str | None, since: str | None, every: bool) -> None:
    if not (ids or stage or since or every):
        raise typer.BadParameter("name letters by id, filter with --stage/--since, or say --all")
    for letter_id in ids or []:
        entry_id_arg(letter_id)


async def _list(settings: Settings, stage: str | None, since: str | None) -> list[dict[str, Any]]:
    async with open_redis(settings) as client:
        return [letter_json(e) for e in await letters(client, stage=stage, since=since)]


@dlq_app.command("list")
def list_letters(
    stage: StageOption = None, since: SinceOption = None, as_json: JsonOption = False
) -> None:
    """Dead letters, oldest first: stage, error, tries, the stream it came from, and why."""
    rows = asyncio.run(_list(load_settings(), stage, since))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        console.print(letters_table(rows))


async def _show(settings: Settings, letter_id: str) -> dict[str, Any]:
    async with open_redis(settings) as client:
        (entry,) = await letters(client, ids=[letter_id])
    return letter_json(entry)


@dlq_app.command("show")
def show(
    letter_id: Annotated[str, typer.Argument(help="A letter's entry id.", callback=entry_id_arg)],
    as_json: JsonOption = False,
) -> None:
    """One dead letter in full, with the payload the stage gave up on."""
    letter = asyncio.run(_show(load_settings(), letter_id))
    if as_json:
        typer.echo(json.dumps(letter, indent=2))
        return
    payload = letter.pop("original_payload")
    for key, value in letter.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False)
    try:
        console.print(JSON(payload))
    except (ValueError, TypeError):
        console.print(str(payload), highlight=False)


def requeue_body(entry: Entry, replacement: str | None) -> tuple[str, dict[str, Any]]:
    """Where a letter goes back to and the body it carries; ValueError if it would fail again
    for the same reason (not JSON, or not the event its stream carries)."""
    stream = str(entry.get("original_stream") or "")
    text = replacement if replacement is not None else str(entry.get("original_payload") or "")
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"payload is not JSON ({exc}); fix it and use --payload FILE") from exc
    cls = EVENTS_BY_STREAM.get(stream)
    if not isinstance(body, dict) or cls is None:
        raise ValueError(f"payload is not an event of a known stream ({stream or 'none'})")
    try:
        cls.model_validate(body)
    except ValidationError as exc:
        raise ValueError(f"payload is not a valid {cls.__name__}: {exc}") from exc
    return stream, body


async def _requeue(settings: Settings, ids: list[str], stage: str | None, since: str | None,
                   replacement: str | None) -> dict[str, Any]:  # fmt: skip
    requeued, skipped = {}, {}
    async with open_redis(settings) as client:
        for entry in await letters(client, ids=ids, stage=stage, since=since):
            try:
                stream, body = requeue_body(entry, replacement)
            except ValueError as exc:
                skipped[entry.entry_id] = str(exc)
                continue
            requeued[entry.entry_id] = await append(client, stream, body, settings.stream_maxlen)
            # Gone once requeued: if it fails again, the stage writes a fresh letter.
            await client.xdel(DeadLettered.stream, entry.entry_id)
    return {"requeued": requeued, "skipped": skipped}


@dlq_app.command("requeue")
def requeue(
    ids: IdsArgument = None,
    stage: StageOption = None,
    since: SinceOption = None,
    every: AllOption = False,
    payload: Annotated[
        Path | None,
        typer.Option(
            help="A fixed payload (JSON) to send instead; for exactly one letter.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Send dead letters back to the stream they came from, once their cause is fixed.

    Every consumer group of that stream sees the entry again; handlers are idempotent, so
    the groups that had processed it already change nothing. A letter that would fail to
    parse again is skipped and kept. Requeued letters leave the dead-letter stream.
    """
    _selection(ids, stage, since, every)
    if payload is not None and len(ids or []) != 1:
        raise typer.BadParameter("--payload replaces the payload of exactly one letter: name it")
    replacement = payload.read_text(encoding="utf-8") if payload else None
    result = asyncio.run(_requeue(load_settings(), ids or [], stage, since, replacement))
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for letter_id, entry_id in result["requeued"].items():
            console.print(f"requeued {letter_id} as {entry_id}")
        for letter_id, why in result["skipped"].items():
            console.print(f"[yellow]kept {letter_id}[/]: {why}", highlight=False)
    if result["skipped"]:
        raise typer.Exit(1)


async def _purge(settings: Settings, ids: list[str], stage: str | None, since: str | None,
                 confirm: bool) -> list[str]:  # fmt: skip
    async with open_redis(settings) as client:
        doomed = [e.entry_id for e in await letters(client, ids=ids, stage=stage, since=since)]
        if doomed and confirm and not typer.confirm(f"delete {len(doomed)} dead letters?"):
            raise typer.Abort()
        if doomed:
            await client.xdel(DeadLettered.stream, *doomed)
    return doomed


@dlq_app.command("purge")
def purge(
    ids: IdsArgument = None,
    stage: StageOption = None,
    since: SinceOption = None,
    every: AllOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete dead letters for good (after asking, unless --yes)."""
    _selection(ids, stage, since, every)
    removed = asyncio.run(_purge(load_settings(), ids or [], stage, since, not yes))
    if as_json:
        typer.echo(json.dumps({"purged": removed}))
    else:
        console.print(f"purged {len(removed)} dead letters")
