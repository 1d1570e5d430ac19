"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike, many rows in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert rows, or update the given columns (default: all but the key) of those that exist.

    Every row has the same columns. Of rows sharing a key the last wins, as if written one
    after another (PostgreSQL refuses to touch a row twice in one statement).
    """
    if not rows:
        return
    latest = list({tuple(row[k] for k in key): row for row in rows}.values())
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    columns = update if update is not None else [c for c in latest[0] if c not in key]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    await session.execute(stmt, latest)
