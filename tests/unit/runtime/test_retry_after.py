"""Retry-After in both of its forms, and what is not one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.runtime.retry_after import parse_retry_after

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 06 May 2026 12:30:00 GMT", 1800.0),
        ("Wed, 06 May 2026 12:30:00 -0000", 1800.0),
        ("Wed, 06 May 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds
