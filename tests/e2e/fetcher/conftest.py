"""Fixtures for the fetcher's end-to-end tests: a loopback HTTP server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.fetcher.loopback_server import Loopback, serve


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with serve() as state:
        yield state
