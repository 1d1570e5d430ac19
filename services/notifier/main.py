"""Wiring for the notifier: the outbox, an HTTP client, the retry loop."""

from __future__ import annotations

import httpx

from schemas import StorySummarized
from services.notifier.core import DEFAULT_RETRY_SCHEDULE_S
from services.notifier.worker import STAGE, Dispatcher, build_router
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.storage.db import create_engine, migrate, sessions
from services.storage.outbox import Outbox


def build_stage(settings: Settings, redis_url: str) -> Stage:
    engine = create_engine(settings.effective_database_url)
    outbox = Outbox(sessions(engine))
    client = httpx.AsyncClient(timeout=settings.http_timeout_s, follow_redirects=False,
                               headers={"user-agent": "newsdesk-notifier/0.1"})  # fmt: skip
    dispatcher = Dispatcher(outbox, client, DEFAULT_RETRY_SCHEDULE_S)

    async def start() -> None:
        await migrate(engine)
        await outbox.ensure_webhook_subscriptions(settings.webhook_urls)

    async def stop() -> None:
        await client.aclose()
        await engine.dispose()

    return Stage(
        STAGE,
        build_router(settings, outbox, dispatcher),
        (StorySummarized,),
        on_start=[start],
        on_stop=[stop],
        loops=[dispatcher.run_forever],
    )
