"""Cadence: when a story matched now goes out (at once, or in the next daily digest)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_time(value: str) -> time:
    """`HH:MM`, 24-hour."""
    match = _HH_MM.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a known time zone (e.g. Europe/Berlin, UTC)") from exc


def next_digest(now: datetime, at: str, tz: str) -> datetime:
    """The first `at` o'clock in `tz` strictly after `now`, in UTC. On a day when the clock
    skips that hour it comes as many minutes later; on a day it repeats, the first time."""
    local_zone, wanted = zone(tz), parse_time(at)
    local_now = now.astimezone(local_zone)
    for days in range(3):
        day = local_now.date() + timedelta(days=days)
        candidate = datetime.combine(day, wanted, tzinfo=local_zone)
        # Round-tripping through UTC normalises a wall time that does not exist that day.
        moment = candidate.astimezone(UTC)
        if moment > now:
            return moment
    raise AssertionError("a daily time always recurs within two days")  # pragma: no cover


def due_at(cadence: str, now: datetime, digest_time: str | None, tz: str | None) -> datetime:
    """When a delivery queued now is first due."""
    if cadence == "digest" and digest_time:
        return next_digest(now, digest_time, tz or "UTC")
    return now
