"""delivery log, endpoint health and full-text search over stories

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:10:00

Search is dialect-specific. SQLite: FTS5 tables kept in step with `segments` by triggers
(each holds its own copy under the segment's rowid, and its segment_id).
PostgreSQL: a generated `search_vector` column with a GIN index; it carries both English
stems (for words and phrases) and unstemmed words (so `regulat*` finds "regulations").
A later migration that rebuilds `segments` in batch mode on SQLite drops the triggers and
renumbers rows: it must drop the FTS tables and recreate them (`_sqlite_statements`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_COLUMNS = "headline, summary, text"
#: Stemmed words and phrases go to `segments_fts`; prefixes (`regulat*`) to the unstemmed
#: `segments_fts_exact`, because a stemmed index holds "regul", which "regulat" never starts.
_FTS_TABLES = {
    "segments_fts": "porter unicode61 remove_diacritics 2",
    "segments_fts_exact": "unicode61 remove_diacritics 2",
}


def _sqlite_statements() -> list[str]:
    insert = " ".join(
        f"INSERT INTO {name}(rowid, segment_id, {_FTS_COLUMNS}) "
        "VALUES (new.rowid, new.segment_id, new.headline, new.summary, new.text);"
        for name in _FTS_TABLES
    )
    delete = " ".join(f"DELETE FROM {name} WHERE rowid = old.rowid;" for name in _FTS_TABLES)
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
        f"segment_id UNINDEXED, {_FTS_COLUMNS}, tokenize = '{tokenizer}')"
        for name, tokenizer in _FTS_TABLES.items()
    ]
    triggers = {"insert": insert, "delete": delete, "update": f"{delete} {insert}"}
    statements += [
        f"CREATE TRIGGER IF NOT EXISTS segments_fts_{event} AFTER {event.upper()} ON segments "
        f"BEGIN {body} END"
        for event, body in triggers.items()
    ]
    statements += [
        f"INSERT INTO {name}(rowid, segment_id, {_FTS_COLUMNS}) "
        f"SELECT rowid, segment_id, {_FTS_COLUMNS} FROM segments"
        for name in _FTS_TABLES
    ]
    return statements


_POSTGRES_VECTOR = (
    "setweight(to_tsvector('english', coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(text, '')), 'C') || "
    "to_tsvector('simple', coalesce(headline, '') || ' ' || coalesce(summary, '') || ' ' "
    "|| coalesce(text, ''))"
)


def _create_sqlite_search() -> None:
    for statement in _sqlite_statements():
        op.execute(statement)


def _create_postgres_search() -> None:
    op.execute(
        f"ALTER TABLE segments ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({_POSTGRES_VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_segments_search_vector ON segments USING gin (search_vector)")


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("last_delivered_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_failure_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_error", sa.Text()))
    op.create_table(
        "delivery_attempts",
        sa.Column("attempt_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "delivery_id",
            sa.String(length=32),
            sa.ForeignKey("deliveries.delivery_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text()),
        sa.Column("duration_ms", sa.Float(), nullable=False),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])
    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_search()
    else:
        _create_sqlite_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_segments_search_vector")
        op.execute("ALTER TABLE segments DROP COLUMN IF EXISTS search_vector")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS segments_fts_{name}")
        for table in _FTS_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table}")
    op.drop_index("ix_delivery_attempts_delivery_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("subscriptions") as batch:
        for column in ("last_error", "last_failure_at", "last_delivered_at"):
            batch.drop_column(column)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("failures")
