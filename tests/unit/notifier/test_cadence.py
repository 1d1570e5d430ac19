"""Daily digests: the next HH:MM in a time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifier.cadence import due_at, next_digest, parse_time, zone


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "at", "tz", "expected"),
    [
        (utc(2026, 11, 27, 6, 0), "08:00", "Europe/Berlin", utc(2026, 11, 27, 7, 0)),
        (utc(2026, 11, 27, 7, 0), "08:00", "Europe/Berlin", utc(2026, 11, 28, 7, 0)),
        (utc(2026, 11, 27, 23, 30), "08:00", "UTC", utc(2026, 11, 28, 8, 0)),
        (utc(2026, 11, 27, 23, 30), "09:00", "Asia/Tokyo", utc(2026, 11, 28, 0, 0)),
        (utc(2026, 3, 28, 12, 0), "08:00", "Europe/Berlin", utc(2026, 3, 29, 6, 0)),  # CEST
        (utc(2026, 10, 24, 12, 0), "08:00", "Europe/Berlin", utc(2026, 10, 25, 7, 0)),  # CET
        (utc(2026, 3, 28, 12, 0), "02:30", "Europe/Berlin", utc(2026, 3, 29, 1, 30)),  # skipped
        (utc(2026, 11, 27, 12, 0), "18:45", "America/New_York", utc(2026, 11, 27, 23, 45)),
    ],
)
def test_next_digest(now: datetime, at: str, tz: str, expected: datetime) -> None:
    assert next_digest(now, at, tz) == expected


def test_realtime_is_due_now() -> None:
    now = utc(2026, 11, 27, 6, 0)
    assert due_at("realtime", now, None, None) == now
    assert due_at("digest", now, "07:00", None) == utc(2026, 11, 27, 7, 0)


@pytest.mark.parametrize("bad", ["24:00", "8:00", "08:60", "noon", ""])
def test_bad_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(bad)


def test_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="not a known time zone"):
        zone("Mars/Olympus")
