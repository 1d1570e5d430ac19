"""The store's tests run on SQLite, and also on PostgreSQL when NEWSDESK_TEST_POSTGRES_URL is
set: each test session gets a database of its own there, dropped at the end."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.storage.db import async_url, create_engine, migrate, sessions

POSTGRES = os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server, named for this session."""
    assert POSTGRES, "only requested when NEWSDESK_TEST_POSTGRES_URL is set"
    name = f"newsdesk_test_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        server = create_async_engine(async_url(POSTGRES), isolation_level="AUTOCOMMIT")
        try:
            async with server.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await server.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty store."""
    engine = create_engine(database_url)
    await migrate(engine)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            tables = (await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            ))).scalars().all()  # fmt: skip
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def db(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessions(engine)
