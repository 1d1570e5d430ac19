"""Store: StorySummarized → rows in the store (upserted by id, so replays update in place)."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.redis import RedisRouter

from schemas import StorySummarized
from services.runtime.broker import consume_batch
from services.runtime.settings import Settings
from services.storage.repository import StoryRepository

STAGE = "store"


def build_router(settings: Settings, stories: StoryRepository) -> RedisRouter:
    router = RedisRouter()

    # The entries of one read are written in one transaction, then acknowledged together.
    @consume_batch(router, StorySummarized, group=STAGE, settings=settings)
    async def on_stories_summarized(events: Sequence[StorySummarized]) -> None:
        await stories.save_many(events)

    return router
