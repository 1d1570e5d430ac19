"""Group commit: the writes of handlers running at once go to the database together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class FlushInterrupted(RuntimeError):
    """The flush carrying this item was cancelled; whether it was stored is unknown."""


class GroupCommit(Generic[T]):
    """`submit(item)` returns once `flush` has stored the item, in a batch with every item
    submitted while the previous flush ran, or within `linger_s` of it (at most `max_items`
    at a time).

    A sink consuming entries concurrently (`consume(..., max_workers=N)`) then pays one
    transaction per batch rather than one per entry, and each entry is still acknowledged
    only after its own write is committed. A batch that fails is retried item by item, so
    one bad item fails alone (and goes to its own retries and dead letter), not its batch.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Awaitable[None]],
        *,
        max_items: int = 64,
        linger_s: float = 0.0,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._flush = flush
        self._max_items = max_items
        self._linger_s = linger_s
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._turn = asyncio.Lock()  # FIFO: whoever holds it flushes for everyone waiting

    async def submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        while not done.done():
            async with self._turn:
                if not done.done():
                    if self._linger_s and len(self._waiting) < self._max_items:
                        await asyncio.sleep(self._linger_s)  # company for a trickle
                    batch = self._waiting[: self._max_items]
                    del self._waiting[: self._max_items]
                    await self._store(batch)
        await done

    async def _store(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            try:
                await self._flush([item for item, _ in batch])
            except Exception:
                if len(batch) == 1:
                    raise
                for one in batch:
                    await self._store([one])
            else:
                _settle(batch, None)
        except Exception as exc:
            _settle(batch, exc)
        finally:
            # Cancelled mid-flush (the worker is stopping): nothing is known to be stored, so
            # the others' entries stay unacknowledged and are redelivered.
            _settle(batch, FlushInterrupted("stopped before the batch was stored"))


def _settle(batch: list[tuple[T, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
            # Marked as seen: a waiter still gets it, and one cancelled meanwhile (the worker
            # is stopping) has no use for it, so asyncio need not log it as lost.
            done.exception()
