"""Episodes and their segments: upserted from StorySummarized, read by the CLI and the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import StorySummarized
from services.storage.models import Episode, SegmentRow
from services.storage.upsert import upsert

EPISODES: Table = Episode.__table__  # type: ignore[assignment]
SEGMENTS: Table = SegmentRow.__table__  # type: ignore[assignment]


def episode_values(event: StorySummarized) -> dict[str, Any]:
    episode = event.episode
    return {
        "episode_id": episode.episode_id,
        "feed_id": episode.feed_id,
        "title": episode.title,
        "podcast": episode.podcast,
        "published": episode.published,
        "source": episode.source,
        "link": episode.link,
        "segment_count": event.segment.count,
        "correlation_id": event.correlation_id,
    }


def segment_values(event: StorySummarized) -> dict[str, Any]:
    seg, labels, summary = event.segment, event.classification, event.summary
    return {
        "segment_id": seg.segment_id,
        "episode_id": event.episode.episode_id,
        "index": seg.index,
        "count": seg.count,
        "kind": seg.kind,
        "start_line": seg.start_line,
        "end_line": seg.end_line,
        "start_char": seg.start_char,
        "end_char": seg.end_char,
        "start_s": seg.start_s,
        "end_s": seg.end_s,
        "text": seg.text,
        "section": labels.section,
        "topics": [t.model_dump() for t in labels.topics],
        "entities": [e.model_dump(mode="json") for e in labels.entities],
        "headline": summary.headline,
        "summary": summary.summary,
        "key_points": list(summary.key_points),
        "provenance": [p.model_dump(mode="json") for p in summary.provenance],
        "summary_backend": summary.backend,
        "tokens_in": summary.tokens_in,
        "tokens_out": summary.tokens_out,
        "cost_usd": summary.cost_usd,
    }


class StoryRepository:
    """Idempotent writes keyed by deterministic ids; a replay updates, never duplicates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def save_many(self, events: Sequence[StorySummarized]) -> None:
        """Episodes and segments of many events in one transaction (the store's batches)."""
        async with self._sessions.begin() as session:
            await upsert(session, EPISODES, [episode_values(e) for e in events], key=["episode_id"])
            await upsert(session, SEGMENTS, [segment_values(e) for e in events], key=["segment_id"])

    async def episodes(self, limit: int = 100) -> Sequence[Episode]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Episode).order_by(Episode.created_at.desc()).limit(limit)
            )
            return rows.all()

    async def segments(
        self, *, episode_id: str | None = None, kinds: Sequence[str] | None = None
    ) -> Sequence[SegmentRow]:
        query = select(SegmentRow).order_by(SegmentRow.episode_id, SegmentRow.index)
        if episode_id:
            query = query.where(SegmentRow.episode_id == episode_id)
        if kinds:
            query = query.where(SegmentRow.kind.in_(kinds))
        async with self._sessions() as session:
            return (await session.scalars(query)).all()
