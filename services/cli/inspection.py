"""What the debugging commands share: stream names, positions, Redis and the store, formats."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import time
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import typer
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import (
    ALL_EVENTS,
    DeadLettered,
    EpisodeDiscovered,
    Event,
    FeedPollRequested,
    SegmentClassified,
    SegmentDetected,
    StorySummarized,
    TranscriptReady,
)
from services.cli.runtime import redis_for
from services.runtime.entries import Entry, entry_ms, short_name
from services.runtime.retention import parse_duration
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.models import Delivery
from services.storage.repository import StoryRepository

err = Console(stderr=True)

#: Each stage and the event it consumes, in pipeline order.
STAGE_INPUTS: dict[str, type[Event]] = {
    "fetcher": FeedPollRequested,
    "transcriber": EpisodeDiscovered,
    "segmenter": TranscriptReady,
    "classifier": SegmentDetected,
    "summarizer": SegmentClassified,
    "store": StorySummarized,
    "notifier": StorySummarized,
}
STREAM_HELP = (
    "A stream, named in full (newsdesk.story-summarized.v1), by its short name"
    " (story-summarized), by its event type (StorySummarized), or by a stage, meaning the"
    " stream that stage consumes: " + ", ".join(f"{s} → {short_name(e.stream)}"
                                                for s, e in STAGE_INPUTS.items())
    + "; `dlq` is the dead-letter stream."
)  # fmt: skip
#: A consumer that polled (Redis ≥ 7.2), or was handed an entry (older), this recently is active.
ACTIVE_MS = 3_000


def active(consumer: dict[str, Any]) -> bool:
    """Redis ≥ 7.2 reports when a consumer last polled (`inactive`); older servers only when
    it was last handed an entry (`idle`), so a worker on a quiet stream reads as inactive."""
    inactive = consumer.get("inactive")
    since = int(consumer["idle"] if inactive is None else inactive)
    return 0 <= since < ACTIVE_MS


async def readers_connected(client: Redis) -> bool:
    """Whether any client is reading as a consumer right now."""
    try:
        clients = await client.client_list()
    except ResponseError:
        return True  # CLIENT LIST not allowed here: assume workers are about
    return any(c.get("cmd") in ("xreadgroup", "xautoclaim", "xclaim") for c in clients)


async def served_groups(client: Redis, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """The groups among `pairs` that workers are reading for now. No client reading means
    none (a restarted embedded Redis still lists its old consumers); Redis ≥ 7.2 says which
    groups are polled; on older servers every group with consumers counts, to be safe."""
    if not await readers_connected(client):
        return []
    found = []
    for stream, group in pairs:
        try:
            consumers = await client.xinfo_consumers(stream, group)
        except ResponseError:
            continue
        polled = consumers and "inactive" in consumers[0]
        if consumers and (not polled or any(active(c) for c in consumers)):
            found.append(group)
    return found


def stream_aliases() -> dict[str, str]:
    names: dict[str, str] = {"dlq": DeadLettered.stream}
    for event in ALL_EVENTS:
        names |= {event.stream: event.stream, short_name(event.stream): event.stream,
                  event.__name__.lower(): event.stream}  # fmt: skip
    return names | {stage: event.stream for stage, event in STAGE_INPUTS.items()}


def resolve_stream(name: str) -> str:
    """The stream a user named (see STREAM_HELP); typer.BadParameter if none."""
    aliases = stream_aliases()
    found = aliases.get(name) or aliases.get(name.lower())
    if found:
        return found
    if name.startswith("newsdesk."):
        return name  # a stream this version does not know, e.g. a newer schema version
    known = sorted({short_name(s) for s in aliases.values()} | set(STAGE_INPUTS))
    raise typer.BadParameter(f"unknown stream {name!r}; try one of: {', '.join(known)}")


def stages_from(stream: str) -> list[str]:
    """The stages that consume `stream` and every stage after them, in pipeline order."""
    order = [e.stream for e in ALL_EVENTS]
    if stream not in order:
        return []
    return [s for s, e in STAGE_INPUTS.items() if order.index(e.stream) >= order.index(stream)]


_ENTRY_ID = re.compile(r"^\d+(-\d+)?$")


def entry_id_arg(text: str) -> str:
    """A typer callback: an entry id as Redis writes them, or a clear error."""
    if not _ENTRY_ID.match(text.strip()):
        raise typer.BadParameter(f"{text!r} is not an entry id like 1714380000000-0")
    return text.strip()


def parse_position(text: str, now: datetime | None = None) -> str:
    """An XRANGE bound from an entry id, `-`/`+`, an ISO time (naive = local) or an age (`2h`)."""
    text = text.strip()
    if text in ("-", "+") or _ENTRY_ID.match(text):
        return text
    now = now or datetime.now(UTC)
    if text == "now":
        return str(_ms(now))
    with contextlib.suppress(ValueError):
        return str(_ms(now - timedelta(seconds=parse_duration(text))))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither an entry id (1714380000000-0), a time (2026-05-03T10:00),"
            " an age (15m, 2h, 7d) nor - / +"
        ) from None
    return str(_ms(moment if moment.tzinfo else moment.astimezone()))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def position_ms(position: str) -> int:
    """The time a position stands for, in ms (`-` is the beginning of time, `+` the end)."""
    if position in ("-", "+"):
        return 0 if position == "-" else 2**63
    return entry_ms(position)


def stop_on_signals() -> asyncio.Event:
    """Set on Ctrl-C or SIGTERM, so a loop ends between two reads instead of mid-read."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print why a command cannot go on; `raise fail(...)`."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextlib.asynccontextmanager
async def open_redis_url(settings: Settings) -> AsyncIterator[str]:
    """The configured Redis, or the embedded one on the data left by `newsdesk demo`/`run`."""
    if not settings.redis_url and not (settings.data_dir / "redis").exists():
        raise fail(
            f"no Redis data under {settings.data_dir / 'redis'}: run `newsdesk demo` first,"
            " or set NEWSDESK_REDIS_URL"
        )
    async with redis_for(settings) as url:
        yield url


@contextlib.asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    async with open_redis_url(settings) as url:
        client = Redis.from_url(url)
        try:
            yield client
        finally:
            await client.aclose()


@dataclass
class StoreView:
    """Read access to the store for the debugging commands."""

    stories: StoryRepository
    sessions: async_sessionmaker[AsyncSession]

    async def deliveries(self, story_ids: Collection[str] | None = None) -> Sequence[Delivery]:
        """Deliveries of these stories (all when None), oldest first."""
        query = select(Delivery).order_by(Delivery.created_at, Delivery.delivery_id)
        if story_ids is not None:
            query = query.where(Delivery.story_id.in_(list(story_ids)))
        async with self.sessions() as session:
            return (await session.scalars(query)).all()


@contextlib.asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[StoreView | None]:
    """The store, or None when there is none yet (nothing is created just to look)."""
    if not settings.database_url and not (settings.data_dir / "newsdesk.db").exists():
        yield None
        return
    engine = create_engine(settings.effective_database_url)
    try:
        await migrate(engine)
        factory = sessions(engine)
        yield StoreView(StoryRepository(factory), factory)
    finally:
        await engine.dispose()


def now_ms() -> int:
    return int(time.time() * 1000)


def ago(ms: int | None, now: int | None = None) -> str:
    """A compact age: `4s`, `12m`, `3h05m`, `2d04h`."""
    if ms is None:
        return ""
    seconds = max(0, ((now or now_ms()) - ms) // 1000)
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 2:
        return f"{minutes}m"
    return f"{hours}h{minutes % 60:02d}m" if days < 2 else f"{days}d{hours % 24:02d}h"


def db_ms(moment: datetime | None) -> int | None:
    """A stored time in ms; SQLite hands back naive datetimes, and newsdesk stores UTC."""
    if moment is None:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def subject(entry: Entry) -> dict[str, Any]:
    """The event an entry is about: itself, or for a dead letter the payload it gave up on."""
    if entry.stream != DeadLettered.stream:
        return entry.body or {}
    try:
        original = json.loads(str(entry.get("original_payload") or ""))
    except ValueError:
        return {}
    return original if isinstance(original, dict) else {}


def segment_label(entry: Entry) -> str:
    segment = entry.get("segment")
    if not isinstance(segment, dict):
        return ""
    return f"#{segment.get('index')}/{segment.get('count')} {segment.get('kind')}"


def detail(body: dict[str, Any] | None) -> str:
    """The one thing worth seeing about an event in a table row."""
    body = body or {}
    if "reason" in body:
        return f"{body.get('stage')}: {body.get('error_type')}: {body['reason']}"
    summary, labels = body.get("summary"), body.get("classification")
    if isinstance(summary, dict):
        return str(summary.get("headline") or "")
    if isinstance(labels, dict):
        return f"section={labels.get('section')}"
    segment, episode = body.get("segment"), body.get("episode")
    if isinstance(segment, dict):
        return f"lines {segment.get('start_line')}–{segment.get('end_line')}"
    if "subscription" in body:
        return f"{body['subscription']} ok={body.get('ok')} {body.get('status_code') or ''}"
    if isinstance(episode, dict):
        return str(episode.get("title") or episode.get("source") or "")
    return str(body.get("url") or "")
