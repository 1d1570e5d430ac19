"""The delivery outbox: one row per (story, subscription); the notifier claims what is due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.ids import delivery_id, stable_id
from services.storage.models import Delivery, DeliveryAttemptRow, Subscription
from services.storage.upsert import upsert

DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[assignment]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Settlement:
    """One attempt's result, as the outbox stores it (the notifier's verdict, flattened)."""

    status: str
    outcome: str
    next_attempt_at: datetime | None
    status_code: int | None
    error: str | None
    failed: bool
    attempted_at: datetime
    duration_ms: float
    disable_reason: str | None = None
    hold_until: datetime | None = None


class Attempted(NamedTuple):
    """One attempt to settle: the deliveries it carried, their endpoint, its result."""

    delivery_ids: Sequence[str]
    subscription_id: str
    result: Settlement


@dataclass(frozen=True)
class Pending:
    """One story's deliveries to enqueue: when each subscription's is due."""

    story_id: str
    due: Mapping[str, datetime]
    payload: dict[str, Any]
    redeliver: bool = False


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def ensure_webhook_subscriptions(
        self, urls: Sequence[str], secret: str | None = None
    ) -> None:
        """Webhook URLs from settings become catch-all subscriptions, created once."""
        for url in urls:
            await self.upsert_webhook(f"webhook-{stable_id(url)[:8]}", url, secret)

    async def upsert_webhook(self, name: str, url: str, secret: str | None = None) -> str:
        """A catch-all webhook subscription keyed by name; its URL may move between runs."""
        sid = stable_id("subscription", name)
        async with self._sessions.begin() as session:
            await upsert(
                session,
                SUBSCRIPTIONS,
                [{"subscription_id": sid, "name": name, "channel": "webhook", "url": url,
                  "secret": secret, "filters": {}}],
                key=["subscription_id"],
                update=["url", "secret"],
            )  # fmt: skip
        return sid

    async def active_subscriptions(self) -> Sequence[Subscription]:
        async with self._sessions() as session:
            rows = await session.scalars(select(Subscription).where(Subscription.enabled))
            return rows.all()

    async def enqueue_many(self, stories: Sequence[Pending]) -> None:
        """A pending delivery per story and subscription, due when given, in one transaction.
        An existing one is left as it is, so a replay never alerts twice, unless the replay
        asks to `redeliver`."""
        fresh: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        for story in stories:
            for sid, when in story.due.items():
                values = {"delivery_id": delivery_id(story.story_id, sid),
                          "story_id": story.story_id, "subscription_id": sid,
                          "status": "pending", "payload": story.payload,
                          "next_attempt_at": when, "failures": 0}  # fmt: skip
                (again if story.redeliver else fresh).append(values)
        async with self._sessions.begin() as session:
            await upsert(session, DELIVERIES, fresh, key=["delivery_id"], update=[])
            await upsert(session, DELIVERIES, again, key=["delivery_id"],
                         update=["status", "payload", "next_attempt_at", "failures"])  # fmt: skip

    async def due(self, now: datetime, limit: int = 500) -> Sequence[tuple[Delivery, Subscription]]:
        query = (
            select(Delivery, Subscription)
            .join(Subscription, Subscription.subscription_id == Delivery.subscription_id)
            .where(Delivery.status == "pending", Subscription.enabled, _is_due(now))
            .where(or_(Subscription.held_until.is_(None), Subscription.held_until <= now))
            .order_by(Delivery.next_attempt_at, Delivery.created_at, Delivery.delivery_id)
            .limit(limit)
        )
        async with self._sessions() as session:
            return [(d, s) for d, s in (await session.execute(query)).all()]

    async def claim(self, ids: Sequence[str], now: datetime, lease_s: float) -> list[str]:
        """Take due deliveries for one attempt; a notifier that dies mid-send loses them for
        `lease_s`, after which another takes them. Atomic, so two notifiers never both send."""
        query = (
            update(Delivery)
            .where(Delivery.delivery_id.in_(ids), Delivery.status == "pending", _is_due(now))
            .values(next_attempt_at=now + timedelta(seconds=lease_s))
            .returning(Delivery.delivery_id)
        )
        async with self._sessions.begin() as session:
            return list((await session.scalars(query)).all())

    async def settle_many(
        self,
        attempts: Sequence[Attempted],
        *,
        release: Sequence[str] = (),
        now: datetime | None = None,
    ) -> None:
        """Store many attempts in one transaction, in order. Deliveries in `release` were
        claimed but not sent: they are due again at `now` (or when their endpoint's hold ends)."""
        async with self._sessions.begin() as session:
            if release:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.delivery_id.in_(release), Delivery.status == "pending")
                    .values(next_attempt_at=now or utcnow())
                )
            if not attempts:
                return
            await session.execute(_SETTLE, [_settle_row(i, a.result) for a in attempts
                                            for i in a.delivery_ids])  # fmt: skip
            await session.execute(
                insert(DeliveryAttemptRow),
                [{"delivery_id": i, "attempted_at": a.result.attempted_at,
                  "outcome": a.result.outcome, "status_code": a.result.status_code,
                  "error": a.result.error, "duration_ms": a.result.duration_ms}
                 for a in attempts for i in a.delivery_ids],
            )  # fmt: skip
            for attempt in _endpoint_changes(attempts):
                await session.execute(_endpoint_update(attempt.subscription_id, attempt.result))

    async def deliveries(
        self, *, status: str | None = None, subscription_id: str | None = None, limit: int = 100
    ) -> Sequence[tuple[Delivery, Subscription]]:
        query = (
            select(Delivery, Subscription)
            .join(Subscription, Subscription.subscription_id == Delivery.subscription_id)
            .order_by(Delivery.created_at.desc(), Delivery.delivery_id)
            .limit(limit)
        )
        if status:
            query = query.where(Delivery.status == status)
        if subscription_id:
            query = query.where(Delivery.subscription_id == subscription_id)
        async with self._sessions() as session:
            return [(d, s) for d, s in (await session.execute(query)).all()]

    async def delivery(self, prefix: str) -> tuple[Delivery, Subscription] | None:
        """A delivery by id, or by a unique prefix of it (as the CLI shows them)."""
        query = (
            select(Delivery, Subscription)
            .join(Subscription, Subscription.subscription_id == Delivery.subscription_id)
            .where(Delivery.delivery_id.startswith(prefix, autoescape=True))
            .limit(2)
        )
        async with self._sessions() as session:
            found = (await session.execute(query)).all()
            return (found[0][0], found[0][1]) if len(found) == 1 else None

    async def attempts(self, delivery_id: str) -> Sequence[DeliveryAttemptRow]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DeliveryAttemptRow)
                .where(DeliveryAttemptRow.delivery_id == delivery_id)
                .order_by(DeliveryAttemptRow.attempt_id)
            )
            return rows.all()

    async def retry(self, ids: Sequence[str], now: datetime) -> int:
        """Send these deliveries again at once, with a fresh retry schedule."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.delivery_id.in_(ids))
                .values(status="pending", next_attempt_at=now, failures=0)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


#: One delivery's attempt, stored (executed for many deliveries at once).
_SETTLE = (
    update(DELIVERIES)
    .where(DELIVERIES.c.delivery_id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempts=DELIVERIES.c.attempts + 1,
        failures=DELIVERIES.c.failures + bindparam("b_failed"),
        last_status_code=bindparam("b_code"),
        last_error=bindparam("b_error"),
        next_attempt_at=bindparam("b_next"),
        delivered_at=bindparam("b_delivered"),
    )
)


def _settle_row(delivery: str, result: Settlement) -> dict[str, Any]:
    delivered = result.attempted_at if result.status == "delivered" else None
    return {"b_id": delivery, "b_status": result.status, "b_failed": int(result.failed),
            "b_code": result.status_code, "b_error": result.error,
            "b_next": result.next_attempt_at, "b_delivered": delivered}  # fmt: skip


def _endpoint_changes(attempts: Sequence[Attempted]) -> list[Attempted]:
    """The attempts whose effect on their endpoint a later one does not overwrite: a
    delivery sets the endpoint's state outright, so of two the earlier can be skipped."""
    kept, delivered_later = [], set()
    for attempt in reversed(attempts):
        if attempt.result.status == "delivered":
            if attempt.subscription_id in delivered_later:
                continue
            delivered_later.add(attempt.subscription_id)
        kept.append(attempt)
    return kept[::-1]


def _is_due(now: datetime) -> Any:
    return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)


def _endpoint_update(subscription_id: str, result: Settlement) -> Any:
    query = update(Subscription).where(Subscription.subscription_id == subscription_id)
    if result.status == "delivered":
        query = query.values(
            consecutive_failures=0, last_delivered_at=result.attempted_at, held_until=None
        )
    elif result.failed:
        query = query.values(
            consecutive_failures=Subscription.consecutive_failures + 1,
            last_failure_at=result.attempted_at,
            last_error=result.error,
        )
    else:
        query = query.values(last_failure_at=result.attempted_at, last_error=result.error)
    if result.disable_reason:
        query = query.values(enabled=False, disabled_reason=result.disable_reason)
    if result.hold_until is not None:
        query = query.values(held_until=result.hold_until)
    return query
