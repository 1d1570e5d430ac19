"""The outbox and subscriptions in the store: unique deliveries, atomic claims, the log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from faststream.redis import RedisBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import StorySummarized
from services.notifier.core import story_payload
from services.notifier.spec import SubscriptionSpec
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.outbox import Attempted, Outbox, Pending, Settlement, as_utc
from services.storage.repository import StoryRepository
from services.storage.subscriptions import SubscriptionExistsError, SubscriptionRepository
from services.store.main import build_stage
from tests.e2e.notifier.stories import story
from tests.e2e.waiting import wait_for

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def _subscribed(db: async_sessionmaker[AsyncSession], name: str) -> str:
    spec = SubscriptionSpec(name=name, channel="webhook", url="https://example.com/hook")
    return (await SubscriptionRepository(db).create(spec.row())).subscription_id


async def _enqueue(
    outbox: Outbox, event: StorySummarized, sid: str, *, redeliver: bool = False
) -> None:
    due = {sid: NOW}
    await outbox.enqueue_many(
        [Pending(event.segment.segment_id, due, story_payload(event), redeliver)]
    )


def _result(status: str, **extra: object) -> Settlement:
    fields: dict[str, object] = {
        "status": status, "outcome": "failed", "next_attempt_at": None, "status_code": 503,
        "error": "HTTP 503", "failed": True, "attempted_at": NOW, "duration_ms": 3.0,
    }  # fmt: skip
    return Settlement(**(fields | extra))  # type: ignore[arg-type]


async def test_a_delivery_is_unique_per_story_and_subscription(
    db: async_sessionmaker[AsyncSession],
) -> None:
    sid = await _subscribed(db, "hook")
    outbox = Outbox(db)
    event = story(1)
    for _ in range(3):
        await _enqueue(outbox, event, sid)
    ((delivery, _),) = await outbox.deliveries()
    assert await outbox.claim([delivery.delivery_id], NOW, 60) == [delivery.delivery_id]
    await outbox.settle_many(
        [Attempted([delivery.delivery_id], sid, _result("delivered", failed=False))]
    )
    await _enqueue(outbox, event, sid)
    assert [d.status for d, _ in await outbox.deliveries()] == ["delivered"]
    await _enqueue(outbox, event, sid, redeliver=True)
    assert [d.status for d, _ in await outbox.deliveries()] == ["pending"]


async def test_claims_are_atomic_and_leased(db: async_sessionmaker[AsyncSession]) -> None:
    sid = await _subscribed(db, "hook")
    outbox = Outbox(db)
    for i in range(1, 4):
        await _enqueue(outbox, story(i), sid)
    ids = [d.delivery_id for d, _ in await outbox.due(NOW)]
    first, second = await asyncio.gather(outbox.claim(ids, NOW, 60), outbox.claim(ids, NOW, 60))
    assert sorted(first + second) == sorted(ids) and not set(first) & set(second)
    assert await outbox.due(NOW + timedelta(seconds=59)) == []
    assert len(await outbox.due(NOW + timedelta(seconds=61))) == 3, "a dead claimer's lease ends"


async def test_settle_logs_holds_the_endpoint_and_disables_it(
    db: async_sessionmaker[AsyncSession],
) -> None:
    sid = await _subscribed(db, "hook")
    outbox = Outbox(db)
    for i in (1, 2):
        await _enqueue(outbox, story(i), sid)
    first, other = (d.delivery_id for d, _ in await outbox.due(NOW))
    later = NOW + timedelta(minutes=5)
    await outbox.settle_many(
        [Attempted([first], sid, _result("pending", next_attempt_at=later, hold_until=later))]
    )
    assert await outbox.due(NOW + timedelta(minutes=4)) == [], "the other waits too"
    assert len(await outbox.due(later)) == 2
    gone = _result("pending", next_attempt_at=later, disable_reason="gone: HTTP 410")
    await outbox.settle_many([Attempted([other], sid, gone)])
    sub = await SubscriptionRepository(db).get("hook")
    assert sub is not None
    assert (sub.enabled, sub.disabled_reason, sub.consecutive_failures) == (
        False, "gone: HTTP 410", 2
    )  # fmt: skip
    assert await outbox.due(later) == [], "a disabled endpoint gets nothing"
    (attempt,) = await outbox.attempts(first)
    assert (attempt.outcome, attempt.status_code, attempt.error) == ("failed", 503, "HTTP 503")
    await SubscriptionRepository(db).set_enabled("hook", True)
    sub = await SubscriptionRepository(db).get("hook")
    assert sub is not None and (sub.disabled_reason, sub.consecutive_failures) == (None, 0)
    assert len(await outbox.due(later)) == 2, "resuming sends what was held"


async def test_a_story_arriving_while_its_endpoint_is_held_waits_for_the_hold(
    db: async_sessionmaker[AsyncSession],
) -> None:
    sid = await _subscribed(db, "hook")
    outbox = Outbox(db)
    await _enqueue(outbox, story(1), sid)
    ((first, _),) = await outbox.due(NOW)
    later = NOW + timedelta(seconds=30)
    held = _result("pending", next_attempt_at=later, hold_until=later)
    await outbox.settle_many([Attempted([first.delivery_id], sid, held)])
    await _enqueue(outbox, story(2), sid)
    assert await outbox.due(NOW + timedelta(seconds=29)) == [], "not a failure more in the row"
    assert len(await outbox.due(later)) == 2
    await outbox.settle_many(
        [Attempted([first.delivery_id], sid, _result("delivered", failed=False))]
    )
    assert len(await outbox.due(NOW)) == 1, "a delivery lifts the hold"


@pytest.mark.parametrize(
    ("outcomes", "streak"),
    [(["delivered", "failed", "delivered"], 0), (["delivered", "failed", "failed"], 2),
     (["failed", "delivered", "delivered"], 0), (["failed", "failed"], 2)],
)  # fmt: skip
async def test_a_pass_settled_at_once_leaves_the_endpoint_as_one_by_one_would(
    db: async_sessionmaker[AsyncSession], outcomes: list[str], streak: int
) -> None:
    sid = await _subscribed(db, "hook")
    outbox = Outbox(db)
    for i in range(len(outcomes) + 1):
        await _enqueue(outbox, story(i), sid)
    *sent, unsent = [d.delivery_id for d, _ in await outbox.due(NOW)]
    await outbox.claim([*sent, unsent], NOW, 300)
    moments = [NOW + timedelta(seconds=n) for n in range(len(outcomes))]
    attempts = [
        Attempted([delivery], sid, _result(status, attempted_at=at, failed=status == "failed",
                                           error=None if status == "delivered" else f"#{n}"))
        for n, (delivery, status, at) in enumerate(zip(sent, outcomes, moments, strict=True))
    ]  # fmt: skip
    await outbox.settle_many(attempts, release=[unsent], now=NOW)
    sub = await SubscriptionRepository(db).get("hook")
    assert sub is not None and sub.consecutive_failures == streak
    last_ok = max((at for at, o in zip(moments, outcomes, strict=True) if o == "delivered"),
                  default=None)  # fmt: skip
    assert as_utc(sub.last_delivered_at) == last_ok
    failed = [n for n, o in enumerate(outcomes) if o == "failed"]
    assert sub.last_error == f"#{failed[-1]}"
    rows = {d.delivery_id: d for d, _ in await outbox.deliveries()}
    assert [rows[i].status for i in sent] == outcomes
    assert all(rows[i].attempts == 1 for i in sent)
    assert [d.delivery_id for d, _ in await outbox.due(NOW)] == [unsent], "released, due again"


async def test_subscription_repository(db: async_sessionmaker[AsyncSession]) -> None:
    repo = SubscriptionRepository(db)
    sid = await _subscribed(db, "hook")
    with pytest.raises(SubscriptionExistsError):
        await _subscribed(db, "hook")
    changed = await repo.update("hook", {"url": "https://example.org/new", "name": "renamed"})
    assert changed is not None and (changed.name, changed.url) == (
        "hook",
        "https://example.org/new",
    )
    outbox = Outbox(db)
    await _enqueue(outbox, story(1), sid)
    ((delivery, _),) = await outbox.deliveries()
    await outbox.settle_many([Attempted([delivery.delivery_id], sid, _result("failed"))])
    assert await repo.delivery_counts() == {sid: {"failed": 1}}
    assert await repo.remove(sid) and not await repo.remove(sid)
    assert await outbox.deliveries() == [] and await outbox.attempts(delivery.delivery_id) == []


async def test_store_worker_on_redis(
    database_url: str, settings: Settings, redis_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    repo = StoryRepository(db)
    async with (
        StageHost([build_stage(settings, redis_url)], settings, redis_url),
        RedisBroker(redis_url) as broker,
    ):
        for event in (story(0, kind="intro"), story(1), story(1).with_replay(), story(2)):
            await broker.publish(event, stream=StorySummarized.stream)
        await wait_for(lambda: _count(repo, 3))
    assert [s.index for s in await repo.segments(episode_id="ep-notifier")] == [0, 1, 2]


async def _count(repo: StoryRepository, n: int) -> bool:
    return len(await repo.segments()) == n
