"""The delivery outbox: one row per (story, subscription); the notifier drains what is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.ids import delivery_id, stable_id
from services.storage.models import Delivery, Subscription
from services.storage.upsert import upsert

DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[assignment]


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def ensure_webhook_subscriptions(self, urls: Sequence[str]) -> None:
        """Webhook URLs from settings become catch-all subscriptions, created once."""
        for url in urls:
            await self.upsert_webhook(f"webhook-{stable_id(url)[:8]}", url)

    async def upsert_webhook(self, name: str, url: str, secret: str | None = None) -> str:
        """A catch-all webhook subscription keyed by name; its URL may move between runs."""
        sid = stable_id("subscription", name)
        async with self._sessions.begin() as session:
            await upsert(
                session,
                SUBSCRIPTIONS,
                {"subscription_id": sid, "name": name, "channel": "webhook", "url": url,
                 "secret": secret, "filters": {}},
                key=["subscription_id"],
                update=["url", "secret"],
            )  # fmt: skip
        return sid

    async def active_subscriptions(self) -> Sequence[Subscription]:
        async with self._sessions() as session:
            rows = await session.scalars(select(Subscription).where(Subscription.enabled))
            return rows.all()

    async def enqueue(
        self, story_id: str, subscription_ids: Sequence[str], payload: dict[str, Any]
    ) -> None:
        """Add a pending delivery per subscription; an existing one is left exactly as it is."""
        async with self._sessions.begin() as session:
            for sid in subscription_ids:
                await upsert(
                    session,
                    DELIVERIES,
                    {"delivery_id": delivery_id(story_id, sid), "story_id": story_id,
                     "subscription_id": sid, "status": "pending", "payload": payload,
                     "next_attempt_at": _now()},
                    key=["delivery_id"],
                    update=[],
                )  # fmt: skip

    async def due(self, limit: int = 100) -> Sequence[tuple[Delivery, Subscription]]:
        query = (
            select(Delivery, Subscription)
            .join(Subscription, Subscription.subscription_id == Delivery.subscription_id)
            .where(Delivery.status == "pending", Subscription.enabled)
            .where(or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= _now()))
            .order_by(Delivery.created_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return [(d, s) for d, s in (await session.execute(query)).all()]

    async def record(
        self,
        delivery: Delivery,
        *,
        ok: bool,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> None:
        """Store one attempt's outcome; no next attempt on a failure means it is given up."""
        status = "delivered" if ok else ("pending" if next_attempt_at else "failed")
        async with self._sessions.begin() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.delivery_id == delivery.delivery_id)
                .values(
                    status=status,
                    attempts=Delivery.attempts + 1,
                    last_status_code=status_code,
                    last_error=error,
                    next_attempt_at=next_attempt_at,
                    delivered_at=_now() if ok else None,
                )
            )

    async def deliveries(self, status: str | None = None) -> Sequence[Delivery]:
        query = select(Delivery).order_by(Delivery.created_at)
        if status:
            query = query.where(Delivery.status == status)
        async with self._sessions() as session:
            return (await session.scalars(query)).all()
