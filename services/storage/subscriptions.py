"""Subscriptions in the store: create, read, change, pause/resume and remove, by name or id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.storage.models import Delivery, DeliveryAttemptRow, Feed, Subscription


class SubscriptionExistsError(ValueError):
    """A subscription with that name is already there."""


def _by_ref(ref: str) -> Any:
    return or_(Subscription.name == ref, Subscription.subscription_id == ref)


class SubscriptionRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, values: dict[str, Any]) -> Subscription:
        async with self._sessions.begin() as session:
            taken = await session.scalar(select(Subscription.name).where(_by_ref(values["name"])))
            if taken is not None:
                raise SubscriptionExistsError(f"a subscription named {values['name']!r} exists")
            await session.execute(insert(Subscription).values(**values))
        found = await self.get(values["name"])
        assert found is not None
        return found

    async def get(self, ref: str) -> Subscription | None:
        async with self._sessions() as session:
            return await session.scalar(select(Subscription).where(_by_ref(ref)))

    async def all(self) -> Sequence[Subscription]:
        async with self._sessions() as session:
            return (await session.scalars(select(Subscription).order_by(Subscription.name))).all()

    async def update(self, ref: str, values: dict[str, Any]) -> Subscription | None:
        """Change the given columns (the name and id stay). Enabling one also forgets why it
        was disabled and its failure streak; its pending deliveries go out on the next pass."""
        changes = {k: v for k, v in values.items() if k not in ("name", "subscription_id")}
        if changes.get("enabled"):
            changes |= {"disabled_reason": None, "consecutive_failures": 0, "held_until": None}
        async with self._sessions.begin() as session:
            await session.execute(update(Subscription).where(_by_ref(ref)).values(**changes))
        return await self.get(ref)

    async def set_enabled(self, ref: str, enabled: bool) -> Subscription | None:
        """Pause, or resume."""
        return await self.update(ref, {"enabled": enabled})

    async def remove(self, ref: str) -> bool:
        """Delete it with its deliveries and their log."""
        async with self._sessions.begin() as session:
            sid = await session.scalar(select(Subscription.subscription_id).where(_by_ref(ref)))
            if sid is None:
                return False
            theirs = select(Delivery.delivery_id).where(Delivery.subscription_id == sid)
            await session.execute(
                delete(DeliveryAttemptRow).where(DeliveryAttemptRow.delivery_id.in_(theirs))
            )
            await session.execute(delete(Delivery).where(Delivery.subscription_id == sid))
            await session.execute(delete(Subscription).where(Subscription.subscription_id == sid))
        return True

    async def delivery_counts(self) -> dict[str, dict[str, int]]:
        """Per subscription id, how many deliveries are in each status."""
        query = select(Delivery.subscription_id, Delivery.status, func.count()).group_by(
            Delivery.subscription_id, Delivery.status
        )
        counts: dict[str, dict[str, int]] = {}
        async with self._sessions() as session:
            for sid, status, n in (await session.execute(query)).all():
                counts.setdefault(sid, {})[status] = int(n)
        return counts

    async def feed_id(self, ref: str) -> str | None:
        """A feed's id from its id or its URL."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Feed.feed_id).where(or_(Feed.feed_id == ref, Feed.url == ref))
            )
