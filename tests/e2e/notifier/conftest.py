"""The notifier on a real Redis and SQLite, with a compressed retry schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from faststream.redis import RedisBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import StorySummarized
from services.notifier.main import build_stage
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.receivers import Receiver

Running = Callable[..., AbstractAsyncContextManager[Callable[..., Any]]]


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"delivery_retry_schedule_s": [0.3, 0.3, 0.3, 0.3, 0.3, 0.3],
                "delivery_poll_s": 0.1, "delivery_disable_after": 50}
    )  # fmt: skip


@pytest.fixture
async def db(fast: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fast.effective_database_url)
    await migrate(engine)
    yield sessions(engine)
    await engine.dispose()


@pytest.fixture
def repo(db: async_sessionmaker[AsyncSession]) -> SubscriptionRepository:
    return SubscriptionRepository(db)


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def make(**kwargs: Any) -> Receiver:
        started.append(Receiver(**kwargs).start())
        return started[-1]

    yield make
    for receiver in started:
        receiver.stop()


@pytest.fixture
def notifier(redis_url: str) -> Running:
    """Run the notifier stage; yields a function that publishes stories to it."""

    @asynccontextmanager
    async def running(settings: Settings) -> AsyncIterator[Callable[..., Any]]:
        async with (
            StageHost([build_stage(settings, redis_url)], settings, redis_url),
            RedisBroker(redis_url) as broker,
        ):

            async def publish(*events: StorySummarized) -> None:
                for event in events:
                    await broker.publish(event, stream=StorySummarized.stream)

            yield publish

    return running
