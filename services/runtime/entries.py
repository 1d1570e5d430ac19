"""Stream entries in and out: FastStream's framing, entry ids and times, stream names."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.redis.parser import BinaryMessageFormatV1
from pydantic import ValidationError
from redis.asyncio import Redis

from schemas import ALL_EVENTS, Event

#: The field FastStream stores a framed message under in every stream entry.
DATA_FIELD = b"__data__"
STREAM_PREFIX = "newsdesk."
EVENTS_BY_STREAM: dict[str, type[Event]] = {e.stream: e for e in ALL_EVENTS}


def short_name(stream: str) -> str:
    """`newsdesk.story-summarized.v1` → `story-summarized`; other names pass unchanged."""
    if not stream.startswith(STREAM_PREFIX):
        return stream
    name = stream.removeprefix(STREAM_PREFIX)
    base, _, version = name.rpartition(".v")
    return base if base and version.isdigit() else name


def as_text(value: object) -> str:
    """A Redis reply value as text: bytes are decoded (UTF-8), anything else is str()-ed."""
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Entry:
    """One stream entry, unframed: its id, FastStream headers and JSON body (None if not JSON)."""

    stream: str
    entry_id: str
    body: dict[str, Any] | None
    raw: bytes
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def time(self) -> datetime:
        return entry_time(self.entry_id)

    @property
    def episode_id(self) -> str | None:
        episode = (self.body or {}).get("episode")
        return episode.get("episode_id") if isinstance(episode, dict) else None

    def get(self, key: str) -> Any:
        return (self.body or {}).get(key)

    def event(self) -> Event:
        """The body as its stream's event class (tolerant: unknown fields are ignored)."""
        cls = EVENTS_BY_STREAM.get(self.stream)
        if cls is None:
            raise ValueError(f"{self.stream} carries no known event type")
        try:
            return cls.model_validate_json(self.raw)
        except ValidationError as exc:
            raise ValueError(f"entry {self.entry_id} is not a valid {cls.__name__}: {exc}") from exc


def decode_entry(stream: str, entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> Entry:
    """Unframe an entry written by FastStream (or by hand, as plain JSON fields)."""
    data = fields.get(DATA_FIELD)
    if data is None:
        plain = {as_text(k): as_text(v) for k, v in fields.items()}
        return Entry(stream, as_text(entry_id), plain, json.dumps(plain).encode())
    raw, headers = BinaryMessageFormatV1.parse(data)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return Entry(stream, as_text(entry_id), body if isinstance(body, dict) else None, raw, headers)


async def encode_fields(body: Mapping[str, Any], correlation_id: str = "") -> dict[bytes, bytes]:
    """The entry fields FastStream itself would write for this JSON body."""
    framed = await BinaryMessageFormatV1.encode(
        message=dict(body), reply_to=None, headers=None, correlation_id=correlation_id
    )
    return {DATA_FIELD: framed}


async def append(client: Redis, stream: str, body: Mapping[str, Any], maxlen: int) -> str:
    """Add one entry framed as FastStream frames it, capped like every publisher caps."""
    fields = await encode_fields(body, str(body.get("correlation_id") or ""))
    entry_id = await client.xadd(stream, fields, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
    return as_text(entry_id)


def decode_rows(stream: str, reply: Any, containing: bytes = b"") -> list[Entry]:
    """An XRANGE / XREVRANGE / XREAD reply for one stream (redis-py types it loosely); only
    the entries whose raw fields contain `containing`, which is cheaper than decoding all."""
    return [decode_entry(stream, entry_id, fields or {}) for entry_id, fields in reply or []
            if containing in b"".join((fields or {}).values())]  # fmt: skip


async def read_range(
    client: Redis,
    stream: str,
    start: str = "-",
    end: str = "+",
    *,
    containing: bytes = b"",
    batch: int = 500,
) -> AsyncIterator[Entry]:
    """Every entry from `start` to `end` (inclusive), oldest first, read in pages."""
    lower = start
    while True:
        reply: Any = await client.xrange(stream, min=lower, max=end, count=batch)
        for entry in decode_rows(stream, reply, containing):
            yield entry
        if len(reply or []) < batch:
            return
        lower = "(" + as_text(reply[-1][0])


async def read_entry(client: Redis, stream: str, entry_id: str) -> Entry | None:
    found = decode_rows(stream, await client.xrange(stream, min=entry_id, max=entry_id, count=1))
    return found[0] if found else None


def entry_ms(entry_id: str) -> int:
    """The millisecond timestamp Redis put in the id (`1714380000000-3` → 1714380000000)."""
    return int(entry_id.split("-", 1)[0])


def entry_time(entry_id: str) -> datetime:
    return datetime.fromtimestamp(entry_ms(entry_id) / 1000, UTC)


def entry_before(entry_id: str) -> str:
    """The greatest id smaller than `entry_id`: where a group must stand to read it next."""
    ms, _, seq = entry_id.partition("-")
    if int(seq or 0) > 0:
        return f"{ms}-{int(seq) - 1}"
    return f"{int(ms) - 1}-18446744073709551615" if int(ms) > 0 else "0-0"


async def event_streams(client: Redis) -> list[str]:
    """Every newsdesk stream present in Redis, known ones in pipeline order, others after."""
    keys = client.scan_iter(match=STREAM_PREFIX + "*", _type="stream")
    present = {as_text(k) async for k in keys}
    known = [s for s in EVENTS_BY_STREAM if s in present]
    return known + sorted(present - set(known))
