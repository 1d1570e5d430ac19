"""`newsdesk replay`: a range of a stream → its stages again, without alerting anyone twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from schemas import DeadLettered
from services.cli.app import app
from services.cli.inspection import (
    STAGE_INPUTS,
    STREAM_HELP,
    StoreView,
    db_ms,
    err,
    fail,
    iso,
    open_redis_url,
    open_store,
    parse_position,
    position_ms,
    resolve_stream,
    served_groups,
    stages_from,
)
from services.cli.preview import Change, build_previewer
from services.cli.runtime import load_settings, wait_until_idle
from services.runtime.entries import (
    Entry,
    append,
    entry_before,
    entry_ms,
    read_range,
    short_name,
)
from services.runtime.retention import retention_for
from services.runtime.settings import Settings

console = Console()
#: What the store holds per segment that a replay may change.
STORED = ("kind", "start_line", "end_line", "section", "topics", "entities", "headline",
          "summary", "key_points")  # fmt: skip


@dataclass(frozen=True)
class Request:
    stream: str
    start: str
    end: str = "+"
    episode: str | None = None
    into: str | None = None
    republish: bool = False
    redeliver: bool = False
    process: bool = True
    as_json: bool = False


def identity(entry: Entry) -> str:
    """What an entry is about; a replay reprocesses each thing once, from its latest event."""
    segment = entry.get("segment")
    if isinstance(segment, dict) and segment.get("segment_id"):
        return f"segment:{segment['segment_id']}"
    if entry.episode_id:
        return f"episode:{entry.episode_id}"
    return f"event:{entry.get('event_id') or entry.entry_id}"


async def select(client: Redis, req: Request) -> list[Entry]:
    """The entries to replay: in range, of the episode if asked, the latest per segment."""
    latest: dict[str, Entry] = {}
    async for entry in read_range(client, req.stream, req.start, req.end):
        if req.episode is None or entry.episode_id == req.episode:
            latest.pop(identity(entry), None)
            latest[identity(entry)] = entry
    return list(latest.values())


async def retention_warning(client: Redis, settings: Settings, req: Request) -> str | None:
    """Why part of the range can no longer be replayed, if it can't."""
    info = await client.xinfo_stream(req.stream)
    first = info.get("first-entry")
    first_id = first[0].decode() if first else None
    added = info.get("entries-added")  # Redis ≥ 7; older servers cannot tell `-` from a trim
    trimmed = int(added) > int(info["length"]) if added is not None else req.start != "-"
    before_first = first_id is None or position_ms(req.start) < entry_ms(first_id)
    if not (trimmed and before_first):
        return None
    kept = f"from {iso(entry_ms(first_id))}" if first_id else "nothing"
    policy = retention_for(req.stream, settings).describe()
    return (f"{short_name(req.stream)} retains {kept} ({policy}); older entries in the range"
            " were trimmed and cannot be replayed. The store still has their results;"
            " re-ingest those episodes to rebuild them.")  # fmt: skip


async def dry_run(
    client: Redis, settings: Settings, req: Request, entries: Sequence[Entry]
) -> dict[str, Any]:
    """What each entry's stage would emit and change; nothing is written anywhere."""
    previewer = build_previewer(req.stream, settings, client)
    rows_of: dict[str, Any] = {}
    out = []
    async with open_store(settings) as view:
        for entry in entries:
            item: dict[str, Any] = {
                "entry_id": entry.entry_id,
                "episode_id": entry.episode_id,
                "identity": identity(entry),
                "emits": None,
                "changes": [],
            }
            if previewer is not None:
                rows = await _rows(view, entry.episode_id, rows_of)
                preview = await previewer(entry.event(), rows)
                item["emits"] = preview.emits
                item["changes"] = [_change_json(c) for c in preview.changes]
            out.append(item)
    return {"stream": req.stream, "entries": out, "previewed": previewer is not None,
            "would_change": sum(1 for i in out if i["changes"])}  # fmt: skip


async def _rows(view: StoreView | None, episode_id: str | None, cache: dict[str, Any]) -> Any:
    if view is None or episode_id is None:
        return []
    if episode_id not in cache:
        cache[episode_id] = await view.stories.segments(episode_id=episode_id)
    return cache[episode_id]


def _change_json(change: Change) -> dict[str, Any]:
    return {"segment": change.segment, "field": change.field, "stored": change.stored,
            "new": change.new}  # fmt: skip


async def republish(client: Redis, settings: Settings, req: Request, entries: list[Entry]) -> int:
    """Copies marked as replays (and to resend, with --redeliver) on the same stream."""
    maxlen = settings.stream_maxlen
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"republishing {short_name(req.stream)}", total=len(entries))
        for entry in entries:
            copy = entry.event().with_replay(redeliver=req.redeliver)
            await append(client, req.stream, copy.model_dump(mode="json"), maxlen)
            progress.advance(task)
    return len(entries)


def group_position(start: str) -> str:
    """Where a group must stand so that its next read is the first entry at or after `start`."""
    if start in ("-", "0", "0-0"):
        return "0-0"
    return entry_before(start if "-" in start else f"{start}-0")


async def move_group(client: Redis, stream: str, group: str, start: str) -> int:
    """Set (or create) the group just before `start`; how many entries it will now read."""
    position = group_position(start)
    try:
        await client.xgroup_setid(stream, group, position)
    except ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        await client.xgroup_create(stream, group, id=position, mkstream=True)
    return sum([1 async for _ in read_range(client, stream, start="(" + position)])


def stages_to_run(req: Request) -> list[str]:
    """Stages that must run for the replay to take effect, in pipeline order."""
    following = stages_from(req.stream)
    if req.into is None:
        return following
    if STAGE_INPUTS.get(req.into) is None or STAGE_INPUTS[req.into].stream != req.stream:
        return []
    return [s for s in following if s == req.into or STAGE_INPUTS[s].stream != req.stream]


@contextlib.asynccontextmanager
async def stages_running(
    settings: Settings, url: str, names: list[str]
) -> AsyncIterator[Callable[[], bool]]:
    """The stages, running in this process; yields whether they are busy (see Stage.busy)."""
    from services.cli.stages import build_stages  # builds every worker: only when needed
    from services.runtime.host import StageHost

    # No other worker is running, so an entry left pending a few seconds is stuck, not slow:
    # claim it soon rather than after the fleet-wide default.
    local = settings.model_copy(update={"claim_idle_ms": min(settings.claim_idle_ms, 5_000)})
    async with StageHost(build_stages(local, url, names), local, url) as host:
        yield host.busy


async def until_done(client: Redis, names: list[str], busy: Callable[[], bool]) -> None:
    with err.status("processing the replay…") as status:
        await wait_until_idle(
            client,
            [(STAGE_INPUTS[n].stream, n) for n in names],
            on_tick=lambda n: status.update(f"processing… {n} events left"),
            busy=busy,
        )


async def snapshot(view: StoreView | None, episode_ids: set[str]) -> dict[str, Any]:
    """The stored segments of these episodes, and how many deliveries have been made."""
    if view is None:
        return {"segments": {}, "delivered": []}
    segments = {}
    for episode_id in episode_ids:
        for row in await view.stories.segments(episode_id=episode_id):
            segments[row.segment_id] = {f: getattr(row, f) for f in STORED}
    delivered = [db_ms(d.delivered_at) for d in await view.deliveries()]
    return {"segments": segments, "delivered": delivered}


def effect(before: dict[str, Any], after: dict[str, Any], since_ms: int) -> dict[str, Any]:
    """Segments whose stored values changed, and deliveries made since the replay began."""
    changed = {}
    for segment_id, values in after["segments"].items():
        old = before["segments"].get(segment_id)
        fields = [f for f in STORED if old is None or old[f] != values[f]]
        if fields:
            changed[segment_id] = fields
    sent = sum(1 for ms in after["delivered"] if ms is not None and ms >= since_ms)
    return {"segments_changed": changed, "deliveries_sent": sent}


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _change_line(change: dict[str, Any]) -> str:
    where = f"#{change['segment']} " if change["segment"] is not None else ""
    return f"{where}{change['field']}: {_short(change['stored'])} → {_short(change['new'])}"


def render_dry_run(result: dict[str, Any]) -> None:
    entries = result["entries"]
    title = f"dry run: {len(entries)} entries of {short_name(result['stream'])}"
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("entry", "episode", "would emit", "would change"):
        table.add_column(column, overflow="fold")
    for item in entries:
        changes = "\n".join(_change_line(c) for c in item["changes"]) or "nothing"
        table.add_row(item["entry_id"], item["episode_id"] or "", item["emits"] or "—", changes)
    console.print(table)
    if not result["previewed"]:
        err.print("no in-process preview for this stream's stage (it fetches, transcribes or"
                  " sends): listed what would be reprocessed")  # fmt: skip
    console.print(f"{result['would_change']} of {len(entries)} would change the store;"
                  " nothing was written")  # fmt: skip


async def _replay(settings: Settings, req: Request) -> dict[str, Any]:
    async with open_redis_url(settings) as url:
        client = Redis.from_url(url)
        try:
            return await _replay_on(settings, url, client, req)
        finally:
            await client.aclose()


async def planned(client: Redis, req: Request) -> list[Entry]:
    """The entries the replay will hand to its stages."""
    if req.into:
        return [e async for e in read_range(client, req.stream, "(" + group_position(req.start))]
    return await select(client, req)


async def write(client: Redis, settings: Settings, req: Request, entries: list[Entry]) -> int:
    """Put the range where the stages read: their group moved back, or copies appended."""
    if req.into:
        return await move_group(client, req.stream, req.into, req.start)
    return await republish(client, settings, req, entries)


async def _replay_on(settings: Settings, url: str, client: Redis, req: Request) -> dict[str, Any]:
    if not await client.exists(req.stream):
        raise fail(f"{req.stream} does not exist (yet): nothing to replay")
    warning = await retention_warning(client, settings, req)
    if warning:
        err.print(f"[bold yellow]warning:[/] {warning}")
    entries = await planned(client, req)
    if not (req.into or req.republish):
        return await dry_run(client, settings, req, entries)
    from services.cli.stages import STAGES

    names = [n for n in stages_to_run(req) if n in STAGES]
    live = await served_groups(client, [(STAGE_INPUTS[n].stream, n) for n in names])
    result: dict[str, Any] = {"stream": req.stream, "processed": False}
    if not (req.process and names and entries) or live:
        return result | {"queued": await write(client, settings, req, entries), "left_to": live}
    episodes = {e.episode_id for e in entries if e.episode_id}
    async with open_store(settings) as view:
        before = await snapshot(view, episodes)
    started = int(time.time() * 1000)
    # The stages start before the replay is written: a FastStream subscriber neither acks nor
    # publishes for what it handles while its broker is still starting.
    async with stages_running(settings, url, names) as busy:
        result["queued"] = await write(client, settings, req, entries)
        await until_done(client, names, busy)
    async with open_store(settings) as view:
        after = await snapshot(view, episodes)
    return result | {"processed": True, "stages": names} | effect(before, after, started)


def report(req: Request, result: dict[str, Any]) -> None:
    if req.as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    if "entries" in result:
        render_dry_run(result)
        return
    where = f"into group {req.into}" if req.into else f"as copies on {short_name(req.stream)}"
    console.print(f"replayed {result['queued']} entries {where}")
    if not result["processed"]:
        live = result["left_to"]
        who = f"running workers ({', '.join(live)})" if live else "workers"
        console.print(f"{who} will process them; follow with `newsdesk status --watch`")
        return
    changed = result["segments_changed"]
    console.print(f"processed by {', '.join(result['stages'])}: {len(changed)} stored segments"
                  f" changed, {result['deliveries_sent']} deliveries sent")  # fmt: skip
    for segment_id, fields in changed.items():
        console.print(f"  {segment_id}: {', '.join(fields)}")


def _request(
    stream: str, start: str, end: str, episode: str | None, into: str | None, modes: dict[str, bool]
) -> Request:
    """Check the options together; typer checks each alone."""
    if sum((into is not None, modes["republish"], modes["dry_run"])) > 1:
        raise typer.BadParameter("choose one of --into GROUP, --republish, --dry-run")
    republish = not (into or modes["dry_run"])
    if modes["redeliver"] and not republish:
        raise typer.BadParameter("--redeliver marks re-published copies: use it with --republish")
    if into and (end != "+" or episode):
        raise typer.BadParameter("a group reads to the end of its stream: --to and --episode"
                                 " need --republish (or --dry-run)")  # fmt: skip
    name = resolve_stream(stream)
    if name == DeadLettered.stream:
        raise typer.BadParameter("dead letters are retried with `newsdesk dlq requeue`")
    return Request(name, parse_position(start), parse_position(end), episode, into, republish,
                   modes["redeliver"], modes["process"], modes["json"])  # fmt: skip


FROM_HELP = ("First entry: an entry id, a time (2026-05-03T10:00; naive = local), an age"
             " (2h, 7d) or - for the oldest.")  # fmt: skip
INTO_HELP = "Move consumer GROUP back to --from (or create it there); it re-reads all after."
REPUBLISH_HELP = (
    "(The default.) Append copies marked as replays; every group on the stream sees them."
)
DRY_RUN_HELP = "Run the stage in this process; show what it would emit and change; write nothing."
REDELIVER_HELP = "Send the replayed stories again to subscriptions that already got them."
PROCESS_HELP = "With no worker running, run the stages here until the replay is processed."


@app.command()
def replay(
    stream: Annotated[str, typer.Argument(help=STREAM_HELP, show_default=False)],
    start: Annotated[str, typer.Option("--from", help=FROM_HELP, show_default=False)],
    end: Annotated[
        str, typer.Option("--to", help="Last entry (same forms); + for the newest.")
    ] = "+",
    episode: Annotated[str | None, typer.Option(help="Only this episode's entries.")] = None,
    into: Annotated[str | None, typer.Option(help=INTO_HELP, metavar="GROUP")] = None,
    republish_: Annotated[bool, typer.Option("--republish", help=REPUBLISH_HELP)] = False,
    dry_run_: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    redeliver: Annotated[bool, typer.Option("--redeliver", help=REDELIVER_HELP)] = False,
    process: Annotated[bool, typer.Option("--process/--no-process", help=PROCESS_HELP)] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-run a stage over a range of its stream.

    Stores upsert by id and the notifier sends once per (story, subscription), so a replay
    updates what changed and alerts nobody twice (unless --redeliver). --republish (the
    default) and --dry-run take each segment (or episode) once, from its latest entry in the
    range. With no worker running, the stages from STREAM on run in this process until the
    replay is done. Example: `newsdesk replay summarizer --from - --dry-run`.
    """
    modes = {"republish": republish_, "dry_run": dry_run_, "redeliver": redeliver,
             "process": process, "json": as_json}  # fmt: skip
    req = _request(stream, start, end, episode, into, modes)
    report(req, asyncio.run(_replay(load_settings(), req)))
