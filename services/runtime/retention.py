"""Retention per stream: a configured policy (MAXLEN ~ or MINID ~) → XTRIM, now and then."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.runtime.cancellation import stop_if_asked
from services.runtime.entries import event_streams, short_name
from services.runtime.settings import Settings

log = structlog.get_logger("newsdesk.retention")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: str) -> float:
    """`90s`, `15m`, `36h`, `7d`, `2w` → seconds."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 36h, 7d or 2w")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Retention:
    """Keep about the last `maxlen` entries, or the entries younger than `max_age_s`."""

    maxlen: int | None = None
    max_age_s: float | None = None

    def describe(self) -> str:
        if self.max_age_s is not None:
            return f"MINID ~{_format_age(self.max_age_s)}"
        return f"MAXLEN ~{self.maxlen}"

    def oldest_kept_ms(self, now_ms: int) -> int | None:
        """For an age policy, the entry time below which entries are trimmed."""
        return None if self.max_age_s is None else now_ms - int(self.max_age_s * 1000)


def _format_age(seconds: float) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


def parse_retention(text: str) -> Retention:
    """`maxlen:50000` or `50000` → MAXLEN ~50000; `minid:7d` or `7d` → the last 7 days."""
    kind, _, value = text.strip().lower().rpartition(":")
    if kind not in ("", "maxlen", "minid"):
        raise ValueError(f"retention {text!r}: use maxlen:N or minid:AGE (e.g. minid:7d)")
    if value.isdigit() and kind != "minid":
        if int(value) <= 0:
            raise ValueError(f"retention {text!r}: a stream must keep at least one entry")
        return Retention(maxlen=int(value))
    if kind == "maxlen":
        raise ValueError(f"retention {text!r}: maxlen takes a whole number of entries")
    try:
        return Retention(max_age_s=parse_duration(value))
    except ValueError as exc:
        raise ValueError(f"retention {text!r}: {exc}") from exc


def retention_for(stream: str, settings: Settings) -> Retention:
    """The policy configured for `stream` (by full or short name), else the global cap."""
    configured = settings.stream_retention
    text = configured.get(stream) or configured.get(short_name(stream))
    return parse_retention(text) if text else Retention(maxlen=settings.stream_maxlen)


def check_retention(policies: Mapping[str, str]) -> None:
    """Fail at start-up, not at the first trim, on a policy that does not parse."""
    for text in policies.values():
        parse_retention(text)


async def trim(client: Redis, stream: str, policy: Retention, now_ms: int) -> int:
    """Apply one policy; `~` lets Redis trim whole macro-nodes only, which is cheap."""
    oldest = policy.oldest_kept_ms(now_ms)
    if oldest is not None:
        return int(await client.xtrim(stream, minid=str(max(oldest, 0)), approximate=True))
    return int(await client.xtrim(stream, maxlen=policy.maxlen, approximate=True))


async def enforce_retention(client: Redis, settings: Settings) -> dict[str, int]:
    """Trim every newsdesk stream to its policy; entries removed per stream."""
    now_ms = int(time.time() * 1000)
    removed = {}
    for stream in await event_streams(client):
        removed[stream] = await trim(client, stream, retention_for(stream, settings), now_ms)
    return removed


async def retention_loop(redis_url: str, settings: Settings) -> None:
    """Trim at start-up and every `retention_interval_s` until cancelled."""
    client = Redis.from_url(redis_url)
    try:
        while True:
            try:
                trimmed = await enforce_retention(client, settings)
            except RedisError as exc:
                # A Redis blip must not end trimming for the life of the process.
                log.warning("retention_failed", error=str(exc))
                trimmed = {}
            removed = {stream: n for stream, n in trimmed.items() if n}
            if removed:
                log.info("streams_trimmed", removed=removed)
            stop_if_asked()
            await asyncio.sleep(settings.retention_interval_s)
    finally:
        await client.aclose()
