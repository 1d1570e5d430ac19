"""A host stops even when a stage loop's cancel is lost on the way (Python 3.11's wait_for)."""

from __future__ import annotations

import asyncio

import pytest
from faststream.redis import RedisRouter

from schemas import EpisodeDiscovered
from services.runtime.cancellation import stop_if_asked
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.runtime.stage import Stage

pytestmark = pytest.mark.e2e


def stage_with_loop(swallowed: list[int]) -> Stage:
    """A stage whose loop loses the first cancel, as asyncio.wait_for does on 3.11 when the
    cancel lands as a redis-py command completes, then goes on to its next round."""

    async def loop() -> None:
        while True:
            try:
                await asyncio.sleep(0.01)  # the command the cancel lands on; the round's wait
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)
            stop_if_asked()

    return Stage("looping", RedisRouter(), (EpisodeDiscovered,), loops=[loop])


async def test_a_lost_cancel_does_not_keep_the_host_from_stopping(
    redis_url: str, settings: Settings
) -> None:
    swallowed: list[int] = []
    host = StageHost([stage_with_loop(swallowed)], settings, redis_url)
    await host.start()
    await asyncio.sleep(0.05)
    stopping = asyncio.ensure_future(host.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5.0)
    assert swallowed == [1], "the loop lost the cancel"
    assert done, "the round that lost the cancel ended at stop_if_asked"
