"""The feed registry: feeds to poll, their HTTP validators and schedule, and the episodes seen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    String,
    Table,
    Text,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from schemas.ids import stable_id
from services.storage.models import Base, Feed
from services.storage.upsert import upsert

# Statuses: active and failing feeds are polled; blocked ones too (the publisher may lift
# podcast:block); gone ones (HTTP 410) never again.
POLLED = ("active", "failing", "blocked")


class FeedEpisode(Base):
    """An episode id a feed has produced: the dedup that survives restarts and replicas."""

    __tablename__ = "feed_episodes"

    episode_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    feed_id: Mapped[str] = mapped_column(
        ForeignKey("feeds.feed_id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text, default="")
    emitted: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


FEED_EPISODES: Table = FeedEpisode.__table__  # type: ignore[assignment]


def feed_id_for(url: str) -> str:
    """A feed keeps the id of the URL it was added with, even after a permanent redirect."""
    return stable_id("feed", url.strip())


@dataclass(frozen=True)
class Seen:
    episode_id: str
    title: str
    emitted: bool


class FeedRegistry:
    """Reads and writes of the feeds table and the episodes each feed has produced."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        url: str,
        *,
        now: datetime,
        name: str | None = None,
        taxonomy: str | None = None,
        backfill: int = 3,
    ) -> tuple[Feed, bool]:
        """Register a feed, due at once; an existing URL is returned as is (added=False)."""
        existing = await self.find(url)
        if existing is not None:
            return existing, False
        feed = Feed(
            feed_id=feed_id_for(url), url=url.strip(), name=name, taxonomy=taxonomy,
            backfill=backfill, status="active", next_check=now, consecutive_errors=0,
        )  # fmt: skip
        async with self._sessions.begin() as session:
            session.add(feed)
        return feed, True

    async def find(self, url_or_id: str) -> Feed | None:
        key = url_or_id.strip()
        async with self._sessions() as session:
            query = select(Feed).where(or_(Feed.feed_id == key, Feed.url == key))
            return (await session.scalars(query)).first()

    async def get(self, feed_id: str) -> Feed | None:
        async with self._sessions() as session:
            return await session.get(Feed, feed_id)

    async def all(self) -> Sequence[Feed]:
        async with self._sessions() as session:
            return (await session.scalars(select(Feed).order_by(Feed.created_at))).all()

    async def remove(self, url_or_id: str) -> Feed | None:
        feed = await self.find(url_or_id)
        if feed is None:
            return None
        async with self._sessions.begin() as session:
            await session.execute(delete(FeedEpisode).where(FeedEpisode.feed_id == feed.feed_id))
            await session.execute(delete(Feed).where(Feed.feed_id == feed.feed_id))
        return feed

    async def due(self, now: datetime, limit: int) -> Sequence[Feed]:
        """Feeds whose next check has come, most overdue first."""
        query = (
            select(Feed)
            .where(Feed.status.in_(POLLED))
            .where(or_(Feed.next_check.is_(None), Feed.next_check <= now))
            .order_by(Feed.next_check)
            .limit(limit)
        )
        async with self._sessions() as session:
            return (await session.scalars(query)).all()

    async def update(self, feed_id: str, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(Feed).where(Feed.feed_id == feed_id).values(**values))

    async def url_taken(self, url: str, feed_id: str) -> bool:
        """Whether another feed is registered under `url` (a permanent redirect may merge two)."""
        query = select(Feed.feed_id).where(Feed.url == url, Feed.feed_id != feed_id)
        async with self._sessions() as session:
            return (await session.scalars(query)).first() is not None

    async def seen(self, feed_id: str, episode_ids: Iterable[str]) -> set[str]:
        """Which of these episode ids this feed has already produced."""
        ids = list(episode_ids)
        if not ids:
            return set()
        query = select(FeedEpisode.episode_id).where(FeedEpisode.episode_id.in_(ids))
        async with self._sessions() as session:
            return set((await session.scalars(query)).all())

    async def has_history(self, feed_id: str) -> bool:
        query = select(FeedEpisode.episode_id).where(FeedEpisode.feed_id == feed_id).limit(1)
        async with self._sessions() as session:
            return (await session.scalars(query)).first() is not None

    async def mark_seen(self, feed_id: str, episodes: Iterable[Seen]) -> None:
        rows = [{"episode_id": seen.episode_id, "feed_id": feed_id, "title": seen.title,
                 "emitted": seen.emitted} for seen in episodes]  # fmt: skip
        async with self._sessions.begin() as session:
            await upsert(session, FEED_EPISODES, rows, key=["episode_id"], update=[])

    async def episode_counts(self) -> dict[str, int]:
        query = select(FeedEpisode.feed_id, func.count()).group_by(FeedEpisode.feed_id)
        async with self._sessions() as session:
            return {feed_id: count for feed_id, count in (await session.execute(query)).all()}
