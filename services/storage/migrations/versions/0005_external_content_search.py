"""search on SQLite: FTS5 tables that index `segments` without keeping a copy of it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:20:00

0002's FTS5 tables each stored headline, summary and text again: a database four times the
size of its segments. These are external-content tables (`content='segments'`): they hold
the index alone and read columns, `segment_id` included, from `segments` by rowid. FTS5
cannot read a row's old words once it has changed, so the triggers hand them over with the
`'delete'` command; and a replay that writes the same words re-indexes nothing.
Same names, columns and tokenizers as 0002's, so searches read them as before.
PostgreSQL's generated `search_vector` is left as it is: this revision does nothing there.
Dropping 0002's tables frees pages that later writes reuse; only VACUUM shrinks the file.
A later migration that rebuilds `segments` in batch mode on SQLite drops these triggers and
renumbers rows: it must recreate the triggers and send both tables `'rebuild'`.
"""

from collections.abc import Mapping, Sequence
from types import ModuleType

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = ("insert", "delete", "update")
_COLUMNS = ("segment_id", "headline", "summary", "text")
_INDEXED = _COLUMNS[1:]


def _revision_0002() -> ModuleType:
    """0002 defines the tokenizers, and the tables and triggers a downgrade restores."""
    script = op.get_context().script
    assert script is not None, "migrations run from Alembic's script directory"
    return script.get_revision("0002").module


def _values(row: str) -> str:
    return ", ".join([f"{row}.rowid", *(f"{row}.{c}" for c in _COLUMNS)])


def _sqlite_statements(tokenizers: Mapping[str, str]) -> list[str]:
    fields = ", ".join(_COLUMNS)
    insert = " ".join(
        f"INSERT INTO {name}(rowid, {fields}) VALUES ({_values('new')});" for name in tokenizers
    )
    delete = " ".join(
        f"INSERT INTO {name}({name}, rowid, {fields}) VALUES ('delete', {_values('old')});"
        for name in tokenizers
    )
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _INDEXED)
    statements = [
        f"CREATE VIRTUAL TABLE {name} USING fts5(segment_id UNINDEXED, {', '.join(_INDEXED)}, "
        f"content = 'segments', content_rowid = 'rowid', tokenize = '{tokenizer}')"
        for name, tokenizer in tokenizers.items()
    ]
    statements += [
        f"CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN {insert} END",
        f"CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN {delete} END",
        f"CREATE TRIGGER segments_fts_update AFTER UPDATE ON segments WHEN {changed} "
        f"BEGIN {delete} {insert} END",
    ]
    statements += [f"INSERT INTO {name}({name}) VALUES ('rebuild')" for name in tokenizers]
    return statements


def _drop_sqlite_search(tables: Sequence[str]) -> None:
    for event in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS segments_fts_{event}")
    for table in tables:
        op.execute(f"DROP TABLE IF EXISTS {table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    tokenizers: Mapping[str, str] = _revision_0002()._FTS_TABLES
    _drop_sqlite_search(list(tokenizers))
    for statement in _sqlite_statements(tokenizers):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    revision_0002 = _revision_0002()
    _drop_sqlite_search(list(revision_0002._FTS_TABLES))
    for statement in revision_0002._sqlite_statements():
        op.execute(statement)
