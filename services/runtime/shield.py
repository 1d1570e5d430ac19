"""Finishing a write that records work already done, even when the caller is cancelled."""

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
