"""Group commit: concurrent submits share flushes, a bad item fails alone, a stop is safe."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.runtime.group_commit import FlushInterrupted, GroupCommit
from services.runtime.shield import to_the_end


class Store:
    """A flush that records its batches, takes `delay_s` (an hour with an item in `stuck`),
    and refuses the item 'bad'."""

    def __init__(self, delay_s: float = 0.0, stuck: frozenset[str] = frozenset()) -> None:
        self.batches: list[list[str]] = []
        self.delay_s, self.stuck = delay_s, stuck

    async def flush(self, items: Sequence[str]) -> None:
        await asyncio.sleep(3600 if self.stuck.intersection(items) else self.delay_s)
        if "bad" in items:
            raise ValueError("bad item")
        self.batches.append(list(items))


async def test_items_submitted_during_a_flush_share_the_next_one() -> None:
    store = Store(delay_s=0.05)
    commit = GroupCommit(store.flush, max_items=100)
    await asyncio.gather(*(commit.submit(f"item{i}") for i in range(10)))
    assert store.batches[0] == ["item0"], "the first does not wait for company"
    assert store.batches[1] == [f"item{i}" for i in range(1, 10)]
    assert len(store.batches) == 2


async def test_batches_are_capped_and_every_item_is_stored_once_in_order() -> None:
    store = Store(delay_s=0.01)
    commit = GroupCommit(store.flush, max_items=3)
    await asyncio.gather(*(commit.submit(str(i)) for i in range(10)))
    assert all(len(batch) <= 3 for batch in store.batches)
    assert [item for batch in store.batches for item in batch] == [str(i) for i in range(10)]


async def test_a_bad_item_fails_alone_and_its_batch_mates_are_stored() -> None:
    store = Store(delay_s=0.02)
    commit = GroupCommit(store.flush)
    first = asyncio.create_task(commit.submit("first"))
    await asyncio.sleep(0)
    results = await asyncio.gather(
        commit.submit("a"), commit.submit("bad"), commit.submit("b"), return_exceptions=True
    )
    await first
    assert [type(r) for r in results] == [type(None), ValueError, type(None)]
    assert sorted(item for batch in store.batches for item in batch) == ["a", "b", "first"]


async def test_a_flush_cancelled_midway_fails_the_items_it_carried_for_others() -> None:
    store = Store(stuck=frozenset({"leader"}))
    commit = GroupCommit(store.flush)
    leader = asyncio.create_task(commit.submit("leader"))
    await asyncio.sleep(0.01)
    follower = asyncio.create_task(commit.submit("follower"))
    await asyncio.sleep(0.01)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    # The follower's item was not in the cancelled flush: it gets a flush of its own.
    await follower
    assert store.batches == [["follower"]]


async def test_followers_of_a_cancelled_flush_are_told_it_was_interrupted() -> None:
    store = Store(stuck=frozenset({"leader", "f0"}))
    commit = GroupCommit(store.flush)
    leader = asyncio.create_task(commit.submit("leader"))
    await asyncio.sleep(0.01)
    followers = [asyncio.create_task(commit.submit(f"f{i}")) for i in range(2)]
    await asyncio.sleep(0.01)
    # The second flush (carrying both followers) is under way; stop whoever leads it.
    leader.cancel()
    await asyncio.sleep(0.01)
    leading = next(t for t in followers if not t.done())
    leading.cancel()
    outcomes = await asyncio.gather(*followers, return_exceptions=True)
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert isinstance(outcomes[1], FlushInterrupted), "not stored, so not acknowledged"


async def test_to_the_end_finishes_the_write_before_the_cancellation_lands() -> None:
    written: list[str] = []

    async def write() -> None:
        await asyncio.sleep(0.05)
        written.append("done")

    task = asyncio.create_task(to_the_end(write()))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert written == ["done"]
