"""Store: StorySummarized → rows in the store (upserted by id, so replays update in place)."""

from __future__ import annotations

from faststream.redis import RedisRouter

from schemas import StorySummarized
from services.runtime.broker import consume
from services.runtime.group_commit import GroupCommit
from services.runtime.settings import Settings
from services.storage.repository import StoryRepository

STAGE = "store"


def build_router(settings: Settings, stories: StoryRepository) -> RedisRouter:
    router = RedisRouter()
    # Entries handled at once are written in one transaction; each is acknowledged after it.
    writes = GroupCommit(
        stories.save_many,
        max_items=settings.sink_concurrency,
        linger_s=settings.sink_linger_ms / 1000,
    )

    @consume(router, StorySummarized, group=STAGE, settings=settings,
             max_workers=settings.sink_concurrency)  # fmt: skip
    async def on_story_summarized(e: StorySummarized) -> None:
        await writes.submit(e)

    return router
