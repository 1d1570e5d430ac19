"""Waiting in end-to-end tests on what a worker does in its own time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def wait_for(
    predicate: Callable[[], Awaitable[bool] | bool], within_s: float = 20.0, every_s: float = 0.05
) -> None:
    """Until `predicate` holds; an AssertionError if `within_s` passes first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        result = predicate()
        if await result if isinstance(result, Awaitable) else result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every_s)
