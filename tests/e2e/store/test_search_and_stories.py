"""Stories in the store: idempotent upserts, full-text search kept in step, filters, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.nlp.query import parse
from services.storage.db import alembic_config, migrate
from services.storage.models import Episode
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


async def test_search_follows_upserts_and_deletes(db: async_sessionmaker[AsyncSession]) -> None:
    search = await _stored(db)
    repo = StoryRepository(db)
    for _ in range(2):
        await repo.save_many(
            [story(3, section="tools-and-apps", text="Gemini now runs on watches.")]
        )
    assert await _indexes(search, "watches") == [3]
    assert await _indexes(search, "phones") == []
    assert (await search.find(StoryFilter()))[0] == 3, "a replay updates, never duplicates"
    async with db.begin() as session:
        await session.execute(delete(Episode))
    assert await _indexes(search, "watches") == []


def _down_and_up(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    command.upgrade(config, "head")


async def test_migrations_go_down_and_up_again(
    engine: AsyncEngine, db: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_down_and_up)
    await migrate(engine)
    assert await _indexes(await _stored(db), "regulat*") == [1, 2]
