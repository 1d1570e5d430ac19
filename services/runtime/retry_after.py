"""Reading a `Retry-After` header, for every HTTP adapter: feeds, transcripts, LLM, webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait: delta-seconds or an HTTP date (in the past = 0); None if unreadable."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # "-0000" dates parse naive; HTTP dates are UTC
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
