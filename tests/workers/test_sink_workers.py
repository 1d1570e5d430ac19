"""Store and notifier workers, on a real SQLite and a real HTTP receiver on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from schemas import StorySummarized
from services.cli.receiver import WebhookReceiver
from services.notifier.channels import Sender
from services.notifier.dispatch import Dispatcher
from services.notifier.policy import RetryPolicy
from services.notifier.worker import build_router as notifier_router
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.outbox import Outbox
from services.storage.repository import StoryRepository
from services.store.worker import build_router as store_router
from tests.workers.broker import in_memory
from tests.workers.events import summarized


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[object]:
    engine = create_engine(settings.effective_database_url)
    await migrate(engine)
    yield sessions(engine)
    await engine.dispose()


async def test_store_upserts_segments_so_duplicates_and_replays_do_not_multiply(
    settings: Settings, db: object
) -> None:
    repo = StoryRepository(db)  # type: ignore[arg-type]
    async with in_memory(settings, store_router(settings, repo)) as broker:
        for event in (summarized(0, "intro"), summarized(1), summarized(1), summarized(2)):
            await broker.publish(event, stream=StorySummarized.stream)
        updated = summarized(1).model_copy(update={"summary": summarized(2).summary})
        await broker.publish(updated, stream=StorySummarized.stream)
    rows = await repo.segments(episode_id="ep1")
    assert [(r.index, r.kind) for r in rows] == [(0, "intro"), (1, "story"), (2, "story")]
    assert rows[1].headline == "Headline 2"
    (episode,) = await repo.episodes()
    assert episode.segment_count == 3


async def test_notifier_enqueues_each_story_once_and_never_ads(
    settings: Settings, db: object
) -> None:
    receiver = WebhookReceiver().start()
    outbox = Outbox(db)  # type: ignore[arg-type]
    await outbox.ensure_webhook_subscriptions([receiver.url])
    async with httpx.AsyncHTTPTransport() as transport:
        sender = Sender(transport, timeout_s=5.0, allow_private=True)
        dispatcher = Dispatcher(outbox, sender, RetryPolicy((0.1,)))
        async with in_memory(settings, notifier_router(settings, outbox, dispatcher)) as broker:
            for event in (summarized(0, "ad"), summarized(1), summarized(1), summarized(2)):
                await broker.publish(event, stream=StorySummarized.stream)
        assert dispatcher.busy(), "the handler woke the drain loop"
        assert await dispatcher.drain() == 2
        assert await dispatcher.drain() == 0
    receiver.stop()
    bodies = [r.json()["data"] for r in receiver.snapshot()]
    assert sorted(b["index"] for b in bodies) == [1, 2]
    assert all(b["headline"].startswith("Headline") for b in bodies)
    assert len({r.headers["webhook-id"] for r in receiver.snapshot()}) == 2
