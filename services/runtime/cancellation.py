"""Cancellation: a write that records work done finishes anyway, and a stop is never lost."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def to_the_end(write: Coroutine[Any, Any, T]) -> T:
    """Await `write` to its end; a cancellation meanwhile is raised once it has finished.

    For the notifier's record of what it sent: a stop that cut it short would have those
    deliveries sent again when their lease ends.
    """
    task = asyncio.ensure_future(write)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def stop_if_asked() -> None:
    """Raise CancelledError if this task has been cancelled and the cancel got lost.

    On Python 3.11 `asyncio.wait_for` (which redis-py awaits in every command) swallows a
    cancel that lands as what it waits on completes (cpython#86296). A stage loop that went
    on to its next round would then keep `StageHost.stop` waiting on it forever, so each
    round starts with this check.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
