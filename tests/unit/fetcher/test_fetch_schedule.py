"""Adaptive scheduling: rhythm, server hints, bounds and failure back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.fetcher.schedule import (
    Bounds,
    Signals,
    next_check,
    next_check_after_failure,
    parse_max_age,
)

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
BOUNDS = Bounds(
    min_interval=timedelta(minutes=15),
    max_interval=timedelta(hours=24),
    default_interval=timedelta(hours=1),
)


def every(gap: timedelta, count: int = 6) -> list[datetime]:
    return [NOW - gap * i for i in range(count)]


@pytest.mark.parametrize(
    ("signals", "interval"),
    [
        (Signals(), timedelta(hours=1)),
        (Signals(published=every(timedelta(days=1))), timedelta(hours=6)),
        (Signals(published=every(timedelta(hours=2))), timedelta(minutes=30)),
        (Signals(published=every(timedelta(minutes=5))), timedelta(minutes=15)),
        (Signals(published=every(timedelta(days=30))), timedelta(hours=24)),
        (Signals(published=[NOW]), timedelta(hours=1)),
        (Signals(previous_interval=timedelta(hours=3)), timedelta(hours=3)),
        (Signals(ttl_minutes=180, published=every(timedelta(hours=2))), timedelta(hours=3)),
        (Signals(max_age_s=7200), timedelta(hours=2)),
        (Signals(max_age_s=60), timedelta(hours=1)),
        (Signals(ttl_minutes=60 * 24 * 30), timedelta(hours=24)),
        (Signals(retry_after_s=3 * 86400), timedelta(days=3)),
        (Signals(retry_after_s=365 * 86400), timedelta(days=7)),
    ],
)
def test_next_check_after_success(signals: Signals, interval: timedelta) -> None:
    assert next_check(NOW, signals, BOUNDS) == NOW + interval


def test_the_busiest_recent_rhythm_wins_over_an_old_quiet_one() -> None:
    recent = every(timedelta(hours=1), 10)
    old = [NOW - timedelta(days=300 + i * 30) for i in range(10)]
    assert next_check(NOW, Signals(published=recent + old), BOUNDS) == NOW + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("errors", "interval"),
    [
        (1, timedelta(minutes=15)),
        (2, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (10, timedelta(hours=24)),
        (1000, timedelta(hours=24)),
    ],
)
def test_failures_back_off_exponentially_to_the_maximum(errors: int, interval: timedelta) -> None:
    assert next_check_after_failure(NOW, errors, BOUNDS) == NOW + interval


def test_a_failure_honours_retry_after() -> None:
    assert next_check_after_failure(NOW, 1, BOUNDS, retry_after_s=7200) == NOW + timedelta(hours=2)


def test_spread_keeps_each_feed_within_bounds_and_apart() -> None:
    due = {next_check(NOW, Signals(), BOUNDS, f"feed-{i}") for i in range(50)}
    assert len(due) == 50
    assert all(NOW + timedelta(hours=1) <= d <= NOW + timedelta(minutes=66) for d in due)
    at_max = {next_check(NOW, Signals(ttl_minutes=10_000), BOUNDS, f"f{i}") for i in range(50)}
    assert all(NOW + timedelta(hours=21) <= d <= NOW + timedelta(hours=24) for d in at_max)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("max-age=300", 300.0),
        ("public, max-age=60, s-maxage=600", 600.0),
        ('max-age="90"', 90.0),
        ("no-store, max-age=300", None),
        ("no-cache", None),
        (None, None),
    ],
)
def test_parse_max_age(value: str | None, seconds: float | None) -> None:
    assert parse_max_age(value) == seconds
