"""Store: StorySummarized → rows in the store (upserted by id, so replays update in place)."""

from __future__ import annotations

from faststream.redis import RedisRouter

from schemas import StorySummarized
from services.runtime.broker import consume
from services.runtime.settings import Settings
from services.storage.repository import StoryRepository

STAGE = "store"


def build_router(settings: Settings, stories: StoryRepository) -> RedisRouter:
    router = RedisRouter()

    @consume(router, StorySummarized, group=STAGE, settings=settings)
    async def on_story_summarized(e: StorySummarized) -> None:
        await stories.save(e)

    return router
