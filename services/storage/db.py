"""Engine, sessions and migrations (Alembic, applied at start-up by every process that writes)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_migrate_lock = asyncio.Lock()


def async_url(url: str) -> str:
    """Accept plain URLs too: `postgresql://` → asyncpg, `sqlite://` → aiosqlite."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def create_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets the store and the notifier write while the CLI reads.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


#: Any fixed number: the PostgreSQL advisory lock every newsdesk process migrates under.
_PG_MIGRATION_LOCK = 0x6E657773


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the latest revision (idempotent, safe to run from many processes:
    store, notifier, fetcher and API all start by migrating)."""
    async with _migrate_lock, _across_processes(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        await conn.run_sync(_upgrade)


@contextlib.asynccontextmanager
async def _across_processes(engine: AsyncEngine) -> AsyncIterator[None]:
    """For SQLite, an exclusive lock on a file beside the database (PostgreSQL locks itself)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    handle = await asyncio.to_thread(_locked_file, Path(f"{database}.migrate.lock"))
    try:
        yield
    finally:
        handle.close()  # closing the file releases the lock


def _locked_file(path: Path) -> IO[str]:
    handle = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
