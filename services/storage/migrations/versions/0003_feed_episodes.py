"""feed episodes: the ids each feed has produced, so re-polls emit nothing twice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_episodes",
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("feed_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("emitted", sa.Boolean(), nullable=False),
        sa.Column(
            "seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.feed_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("episode_id"),
    )
    with op.batch_alter_table("feed_episodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_episodes_feed_id"), ["feed_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_episodes_feed_id"))
    op.drop_table("feed_episodes")
