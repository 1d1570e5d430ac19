"""Feed scheduling: what the server said and how often the feed publishes → the next check."""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.ids import stable_id

# Check a few times per expected publication, so a new item waits at most a quarter of the
# feed's usual gap; a daily show is polled every six hours, a busy wire at the minimum.
_CHECKS_PER_GAP = 4
_RHYTHM_ITEMS = 10
# A server may ask for a long pause, but not for the feed to be forgotten.
_RETRY_AFTER_CAP = timedelta(days=7)
# Up to this share of the interval is added, the same for a feed every time, so that feeds
# imported together do not stay due together.
_SPREAD = 0.1
_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Bounds:
    min_interval: timedelta = timedelta(minutes=15)
    max_interval: timedelta = timedelta(hours=24)
    default_interval: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Signals:
    """What one successful poll told us about when to come back."""

    ttl_minutes: int | None = None
    max_age_s: float | None = None
    retry_after_s: float | None = None
    published: Sequence[datetime] = ()
    previous_interval: timedelta | None = None


def next_check(now: datetime, signals: Signals, bounds: Bounds, feed_key: str = "") -> datetime:
    """When to poll again after a success: the feed's rhythm, never sooner than the server
    asked (TTL, max-age, Retry-After), within the bounds."""
    interval = _rhythm(signals.published) or signals.previous_interval or bounds.default_interval
    hints = [
        timedelta(minutes=signals.ttl_minutes) if signals.ttl_minutes else None,
        timedelta(seconds=signals.max_age_s) if signals.max_age_s else None,
    ]
    interval = _within(max([interval, *(h for h in hints if h)]), bounds, feed_key)
    return now + _honour_retry_after(interval, signals.retry_after_s)


def next_check_after_failure(
    now: datetime,
    consecutive_errors: int,
    bounds: Bounds,
    retry_after_s: float | None = None,
    feed_key: str = "",
) -> datetime:
    """Exponential back-off from the minimum interval, capped at the maximum."""
    steps = max(consecutive_errors - 1, 0)
    interval = _within(bounds.min_interval * (2 ** min(steps, 32)), bounds, feed_key)
    return now + _honour_retry_after(interval, retry_after_s)


def _rhythm(published: Sequence[datetime]) -> timedelta | None:
    recent = sorted(published, reverse=True)[:_RHYTHM_ITEMS]
    gaps = [(a - b).total_seconds() for a, b in itertools.pairwise(recent)]
    gaps = [g for g in gaps if g > 0]
    if not gaps:
        return None
    return timedelta(seconds=statistics.median(gaps) / _CHECKS_PER_GAP)


def _honour_retry_after(interval: timedelta, retry_after_s: float | None) -> timedelta:
    if not retry_after_s:
        return interval
    return max(interval, min(timedelta(seconds=retry_after_s), _RETRY_AFTER_CAP))


def _within(interval: timedelta, bounds: Bounds, feed_key: str) -> timedelta:
    """Clamp to the bounds, then spread: up by a feed's share, or down when at the top."""
    interval = min(max(interval, bounds.min_interval), bounds.max_interval)
    if not feed_key:
        return interval
    share = interval * (_SPREAD * int(stable_id("spread", feed_key, length=8), 16) / 16**8)
    spread = interval + share if interval + share <= bounds.max_interval else interval - share
    return max(spread, bounds.min_interval)


def parse_max_age(cache_control: str | None) -> float | None:
    """Seconds from Cache-Control (s-maxage wins over max-age); None when absent or no-store."""
    if not cache_control or "no-store" in cache_control.lower():
        return None
    found = dict((k.lower(), int(v)) for k, v in _MAX_AGE.findall(cache_control))
    seconds = found.get("s-maxage", found.get("max-age"))
    return float(seconds) if seconds is not None else None
