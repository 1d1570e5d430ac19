"""The fetch benchmark's harness on a small scale: both clients see the same 200/304 mix."""

from __future__ import annotations

import pytest

from services.fetcher.bench import run_benchmark

pytestmark = pytest.mark.e2e


def test_both_clients_poll_every_feed_with_the_same_mix() -> None:
    runs = {r.name: r for r in run_benchmark(60, concurrency=8, hosts=4, rounds=1)}
    assert runs["bare httpx"].statuses == {"200": 30, "304": 30}
    for name in ("newsdesk fetch", "newsdesk fetch + parse"):
        assert runs[name].statuses == {"fetched": 30, "not_modified": 30}
    assert all(r.per_second > 0 for r in runs.values())
