"""Wiring for the store: the database engine, migrated at start-up."""

from __future__ import annotations

from schemas import StorySummarized
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.storage.db import create_engine, migrate, sessions
from services.storage.repository import StoryRepository
from services.store.worker import STAGE, build_router


def build_stage(settings: Settings, redis_url: str) -> Stage:
    engine = create_engine(settings.effective_database_url)
    router = build_router(settings, StoryRepository(sessions(engine)))

    async def start() -> None:
        await migrate(engine)

    return Stage(STAGE, router, (StorySummarized,), on_start=[start], on_stop=[engine.dispose])
