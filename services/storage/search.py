"""Finding stories: filters plus full-text search (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.expression import column

from services.nlp.query import And, Node, Not, Term
from services.storage.models import Episode, Feed, SegmentRow

_FTS = table("segments_fts", column("segment_id"))
_FTS_EXACT = table("segments_fts_exact", column("segment_id"))
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
StoryQuery = Select[SegmentRow, Episode]


@dataclass(frozen=True)
class StoryFilter:
    """What to look for; every field given narrows the result."""

    query: Node | None = None
    sections: Sequence[str] = ()
    entity: str | None = None
    podcast: str | None = None
    episode_id: str | None = None
    feed_id: str | None = None
    since: datetime | None = None
    kinds: Sequence[str] = ("story",)
    limit: int = 50
    offset: int = 0


def _fts5_phrase(term: Term) -> str:
    # Words are runs of letters and digits, quoted, so user text cannot break FTS5's syntax.
    return f'"{" ".join(term.words)}"' + (" *" if term.prefix else "")


def _fts5_hits(term: Term) -> Select[Any]:
    fts = _FTS_EXACT if term.prefix else _FTS
    matching = literal_column(fts.name).op("MATCH")(_fts5_phrase(term))
    return select(fts.c.segment_id).select_from(fts).where(matching)


def to_fts5(node: Node) -> ColumnElement[bool]:
    """A condition on segments: one FTS5 lookup per term, combined by the query's logic."""
    if isinstance(node, Term):
        return SegmentRow.segment_id.in_(_fts5_hits(node))
    if isinstance(node, Not):
        return not_(to_fts5(node.node))
    combine = and_ if isinstance(node, And) else or_
    return combine(*(to_fts5(n) for n in node.nodes))


def _wanted_terms(node: Node) -> list[Term]:
    """The stemmed terms a story is looked for by (not those under a NOT): they rank it."""
    if isinstance(node, Term):
        return [] if node.prefix else [node]
    if isinstance(node, Not):
        return []
    return [t for n in node.nodes for t in _wanted_terms(n)]


def to_tsquery(node: Node) -> ColumnElement[Any]:
    """A PostgreSQL tsquery built from functions, with the user's words as bound parameters."""
    if isinstance(node, Term):
        if node.prefix:
            lexemes = [*node.words[:-1], node.words[-1] + ":*"]
            return func.to_tsquery(_SIMPLE, " <-> ".join(lexemes))
        return func.phraseto_tsquery(_ENGLISH, " ".join(node.words))
    if isinstance(node, Not):
        return func.tsquery_not(to_tsquery(node.node))
    combine = func.tsquery_and if isinstance(node, And) else func.tsquery_or
    parts = [to_tsquery(n) for n in node.nodes]
    result = parts[0]
    for part in parts[1:]:
        result = combine(result, part)
    return result


def _entity_clause(dialect: str, name: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        element = func.json_array_elements(SegmentRow.entities).table_valued("value")
        found = func.lower(element.c.value.op("->>")("name")) == name.casefold()
    else:
        element = func.json_each(SegmentRow.entities).table_valued("value")
        found = func.lower(func.json_extract(element.c.value, "$.name")) == name.casefold()
    return exists(select(1).select_from(element).where(found))


def _filtered(dialect: str, wanted: StoryFilter, query: StoryQuery) -> StoryQuery:
    clauses: list[ColumnElement[bool]] = []
    if wanted.kinds:
        clauses.append(SegmentRow.kind.in_(wanted.kinds))
    if wanted.sections:
        clauses.append(SegmentRow.section.in_(wanted.sections))
    if wanted.entity:
        clauses.append(_entity_clause(dialect, wanted.entity))
    if wanted.podcast:
        clauses.append(func.lower(Episode.podcast) == wanted.podcast.casefold())
    if wanted.episode_id:
        clauses.append(SegmentRow.episode_id == wanted.episode_id)
    if wanted.feed_id:
        clauses.append(Episode.feed_id == wanted.feed_id)
    if wanted.since:
        clauses.append(SegmentRow.created_at >= wanted.since)
    return query.where(and_(*clauses)) if clauses else query


def _searched(dialect: str, node: Node, query: StoryQuery) -> StoryQuery:
    if dialect == "postgresql":
        tsquery = to_tsquery(node)
        vector: ColumnElement[Any] = literal_column("segments.search_vector")
        return query.where(vector.op("@@")(tsquery)).order_by(
            func.ts_rank_cd(vector, tsquery).desc()
        )
    query = query.where(to_fts5(node))
    wanted = _wanted_terms(node)
    if not wanted:
        return query
    # bm25 weights per column (segment_id, headline, summary, text); lower is better.
    ranked = (
        select(_FTS.c.segment_id, literal_column("bm25(segments_fts, 0, 10, 4, 1)").label("rank"))
        .select_from(_FTS)
        .where(literal_column("segments_fts").op("MATCH")(" OR ".join(map(_fts5_phrase, wanted))))
        .subquery()
    )
    return query.outerjoin(ranked, ranked.c.segment_id == SegmentRow.segment_id).order_by(
        ranked.c.rank.is_(None), ranked.c.rank
    )


class StorySearch:
    """Reads of stories, episodes and feeds for the API, the CLI and subscription previews."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, wanted: StoryFilter) -> tuple[int, list[tuple[SegmentRow, Episode]]]:
        """The total number of matches and one page of them, best (or newest) first."""
        async with self._sessions() as session:
            dialect = session.get_bind().dialect.name
            base = select(SegmentRow, Episode).join(
                Episode, Episode.episode_id == SegmentRow.episode_id
            )
            query = _filtered(dialect, wanted, base)
            if wanted.query is not None:
                query = _searched(dialect, wanted.query, query)
            total = await session.scalar(select(func.count()).select_from(query.subquery()))
            page = query.order_by(
                SegmentRow.created_at.desc(), SegmentRow.episode_id, SegmentRow.index
            )
            rows = await session.execute(page.limit(wanted.limit).offset(wanted.offset))
            return int(total or 0), [(s, e) for s, e in rows.all()]

    async def story(self, story_id: str) -> tuple[SegmentRow, Episode] | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(SegmentRow, Episode)
                    .join(Episode, Episode.episode_id == SegmentRow.episode_id)
                    .where(SegmentRow.segment_id == story_id)
                )
            ).first()
            return None if row is None else (row[0], row[1])

    async def episodes(self, *, limit: int, offset: int = 0) -> tuple[int, list[Episode]]:
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Episode))
            rows = await session.scalars(
                select(Episode)
                .order_by(Episode.created_at.desc(), Episode.episode_id)
                .limit(limit)
                .offset(offset)
            )
            return int(total or 0), list(rows.all())

    async def episode(self, episode_id: str) -> tuple[Episode, list[SegmentRow]] | None:
        async with self._sessions() as session:
            episode = await session.get(Episode, episode_id)
            if episode is None:
                return None
            segments = await session.scalars(
                select(SegmentRow)
                .where(SegmentRow.episode_id == episode_id)
                .order_by(SegmentRow.index)
            )
            return episode, list(segments.all())

    async def feeds(self) -> list[Feed]:
        async with self._sessions() as session:
            return list((await session.scalars(select(Feed).order_by(Feed.url))).all())
