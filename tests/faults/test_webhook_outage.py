"""The webhook-down scenario's outage: counted by the receiver, and too short to give up on."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from services.faults.cluster import FAST_ENV
from services.faults.receiver import DownReceiver
from services.faults.scenarios import REFUSALS, WEBHOOK_DOWN_ENV
from services.runtime.settings import Settings


@pytest.fixture
def receiver() -> Iterator[DownReceiver]:
    down = DownReceiver(refusals=3)
    down.start()
    yield down
    down.stop()


def post(url: str, n: int) -> int:
    return httpx.post(url, json={"n": n}, timeout=10).status_code


def test_the_first_posts_are_refused_then_every_one_is_taken(receiver: DownReceiver) -> None:
    codes = [post(receiver.url, n) for n in range(5)]
    assert codes == [503, 503, 503, 200, 200]
    assert receiver.refused == 3
    assert [r.json()["n"] for r in receiver.snapshot()] == [3, 4]


def test_posts_at_once_are_refused_exactly_as_many_times(receiver: DownReceiver) -> None:
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda n: post(receiver.url, n), range(16)))
    assert sorted(codes) == [200] * 13 + [503] * 3
    assert len(receiver.snapshot()) == 13


def test_the_outage_cannot_disable_the_endpoint_or_use_up_a_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each refusal is one failed attempt of one delivery, in a row for the endpoint."""
    for name, value in (FAST_ENV | WEBHOOK_DOWN_ENV).items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.delivery_disable_after >= 2 * REFUSALS
    assert len(settings.delivery_retry_schedule_s) >= 2 * REFUSALS
