"""Alembic environment: runs on the connection `services.storage.db.migrate` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.storage.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    # `alembic` run by hand (e.g. autogenerate during development) with a sync URL.
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
