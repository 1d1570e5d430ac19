"""Stories in the store: idempotent upserts, full-text search kept in step, filters, migrations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, delete, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas import StorySummarized
from services.nlp.query import parse
from services.storage.db import alembic_config, migrate
from services.storage.models import Episode, SegmentRow
from services.storage.repository import StoryRepository
from services.storage.search import StoryFilter, StorySearch
from tests.e2e.notifier.stories import story

pytestmark = pytest.mark.e2e

TEXTS = {
    1: "Anthropic published new safety regulations for frontier models in Europe.",
    2: "OpenAI released a coding assistant; regulators in Brussels took notice.",
    3: "Gemini gets faster on phones, Google says.",
}


async def _stored(db: async_sessionmaker[AsyncSession]) -> StorySearch:
    repo = StoryRepository(db)
    await repo.save_many([story(0, section=None, kind="intro", text="Welcome to the show.")])
    await repo.save_many(
        [story(1, section="policy-and-safety", entities=("Anthropic",), text=TEXTS[1])]
    )
    await repo.save_many([story(2, section="tools-and-apps", entities=("OpenAI",), text=TEXTS[2])])
    await repo.save_many([story(3, section="tools-and-apps", entities=("Google",), text=TEXTS[3])])
    return StorySearch(db)


async def _indexes(search: StorySearch, query: str | None = None, **filters: object) -> list[int]:
    wanted = StoryFilter(query=parse(query) if query else None, **filters)  # type: ignore[arg-type]
    _, rows = await search.find(wanted)
    return sorted(s.index for s, _ in rows)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("release", [2]),  # stemmed: "released"
        ("regulat*", [1, 2]),  # a prefix: regulations, regulators
        ('"safety regulations"', [1]),
        ('"regulations safety"', []),
        ("faster OR brussels", [2, 3]),
        ("models -anthropic", []),
        ("-gemini", [1, 2]),
        ("(openai OR google) AND NOT phones", [2]),
        ("welcome", []),  # an intro is not a story
    ],
)
async def test_full_text_search(
    db: async_sessionmaker[AsyncSession], query: str, expected: list[int]
) -> None:
    assert await _indexes(await _stored(db), query) == expected


async def test_filters_and_ranking(db: async_sessionmaker[AsyncSession]) -> None:
    search = await _stored(db)
    assert await _indexes(search, sections=["tools-and-apps"]) == [2, 3]
    assert await _indexes(search, entity="openai") == [2]
    assert await _indexes(search, podcast="ai news hour") == [1, 2, 3]
    assert await _indexes(search, podcast="other show") == []
    assert await _indexes(search, kinds=()) == [0, 1, 2, 3]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert await _indexes(search, since=tomorrow) == []
    total, page = await search.find(StoryFilter(limit=2, offset=2))
    assert (total, len(page)) == (3, 1)
    _, ranked = await search.find(StoryFilter(query=parse("google OR phones OR regulators")))
    assert ranked[0][0].index == 3, "two terms beat one"


def _rewritten(field: str, words: str) -> StorySummarized:
    """Story 3 again, with one of the fields search reads replaced by `words`."""
    original = story(3, section="tools-and-apps", entities=("Google",), text=TEXTS[3])
    if field == "text":
        segment = original.segment.model_copy(update={"text": words})
        return original.model_copy(update={"segment": segment})
    summary = original.summary.model_copy(update={field: words})
    return original.model_copy(update={"summary": summary})


async def _index_matches_segments(db: async_sessionmaker[AsyncSession]) -> None:
    """On SQLite, FTS5's own check that both indexes hold what `segments` holds, no more."""
    async with db.begin() as session:
        if session.get_bind().dialect.name != "sqlite":
            return
        for fts in ("segments_fts", "segments_fts_exact"):
            check = f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"
            await session.execute(text(check))


@pytest.mark.parametrize(
    ("field", "old_words"),
    [("text", "phones"), ("headline", '"headline 3"'), ("summary", '"summary of story 3"')],
)
async def test_search_follows_rewrites(
    db: async_sessionmaker[AsyncSession], field: str, old_words: str
) -> None:
    search = await _stored(db)
    assert await _indexes(search, old_words) == [3]
    for _ in range(2):
        await StoryRepository(db).save_many([_rewritten(field, "Gemini now runs on watches.")])
    assert await _indexes(search, "watches") == [3]
    assert await _indexes(search, "watch*") == [3]
    assert await _indexes(search, old_words) == []
    assert (await search.find(StoryFilter()))[0] == 3, "a replay updates, never duplicates"
    await _index_matches_segments(db)


async def _ranked(search: StorySearch, queries: list[str]) -> list[tuple[int, list[str]]]:
    found = [await search.find(StoryFilter(query=parse(q))) for q in queries]
    return [(total, [s.segment_id for s, _ in rows]) for total, rows in found]


async def test_replays_leave_search_unchanged(db: async_sessionmaker[AsyncSession]) -> None:
    search = await _stored(db)
    queries = ["phones", "phon*", "regulat*", "google OR phones OR regulators", "-gemini"]
    before = await _ranked(search, queries)
    await _stored(db)
    assert await _ranked(search, queries) == before
    await _index_matches_segments(db)


async def test_deleted_stories_leave_search(db: async_sessionmaker[AsyncSession]) -> None:
    search = await _stored(db)
    async with db.begin() as session:
        await session.execute(delete(SegmentRow).where(SegmentRow.index == 1))
    assert await _indexes(search, "regulat*") == [2]
    assert await _indexes(search, "safety") == []
    async with db.begin() as session:
        await session.execute(delete(Episode))  # its segments go with it (ON DELETE CASCADE)
    assert await _indexes(search, "regulat*") == []
    assert await _indexes(search, "gemini") == []
    await _index_matches_segments(db)


def _alembic(connection: Connection, step: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    step(config, revision)


def _down_and_up(connection: Connection) -> None:
    _alembic(connection, command.downgrade, "base")
    _alembic(connection, command.upgrade, "head")


async def test_migrations_go_down_and_up_again(
    engine: AsyncEngine, db: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_down_and_up)
    await migrate(engine)
    assert await _indexes(await _stored(db), "regulat*") == [1, 2]


async def test_stories_stay_searchable_across_0005(
    engine: AsyncEngine, db: async_sessionmaker[AsyncSession]
) -> None:
    """0005 (SQLite: FTS5 tables that read `segments`) indexes the stories already stored, and
    going back to 0004 indexes them again in 0002's tables."""
    async with engine.begin() as conn:
        await conn.run_sync(_alembic, command.downgrade, "0004")
    search = await _stored(db)
    assert await _indexes(search, "regulat*") == [1, 2]
    for step, revision in [(command.upgrade, "0005"), (command.downgrade, "0004")]:
        async with engine.begin() as conn:
            await conn.run_sync(_alembic, step, revision)
        assert await _indexes(search, "regulat*") == [1, 2]
        assert await _indexes(search, '"safety regulations"') == [1]
        assert await _indexes(search, "release") == [2]
        await _index_matches_segments(db)
    await migrate(engine)
    assert await _indexes(search, "phones") == [3]
