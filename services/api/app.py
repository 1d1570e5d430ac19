"""The HTTP API: the store's stories, episodes, feeds, subscriptions and deliveries; health,
readiness and Prometheus metrics. OpenAPI at /openapi.json, docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response, status
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api import stories, subscriptions
from services.api.deps import Sessions
from services.api.metrics import Metrics
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions


def create_app(settings: Settings, engine: AsyncEngine | None = None) -> FastAPI:
    """An app on the configured store (or the engine given), migrated when it starts."""
    owned = engine is None
    store = engine or create_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await migrate(store)
        yield
        if owned:
            await store.dispose()

    app = FastAPI(
        title="newsdesk",
        version="1",
        summary="Stories from news podcasts and feeds, and the alerts they trigger.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions(store)
    metrics = Metrics()
    app.middleware("http")(metrics.middleware)
    app.include_router(stories.router)
    app.include_router(subscriptions.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz(response: Response, sessions: Sessions) -> dict[str, Any]:
        """The store answers; 503 when it does not."""
        try:
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the store means not ready
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            return {"status": "unavailable", "database": f"{type(exc).__name__}: {exc}"}
        return {"status": "ready", "database": "ok"}

    @app.get("/metrics", tags=["health"], response_class=Response)
    async def prometheus(sessions: Sessions) -> Response:
        """Prometheus text format."""
        return await metrics.scrape(sessions)

    return app
