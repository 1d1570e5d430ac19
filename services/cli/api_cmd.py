"""`newsdesk api`: the HTTP API (FastAPI) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.app import app
from services.cli.runtime import load_settings


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Default: NEWSDESK_API_HOST.")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: NEWSDESK_API_PORT.")
    ] = None,
) -> None:
    """Serve the HTTP API: stories, episodes, feeds, subscriptions, deliveries, health, metrics.

    Docs at /docs, OpenAPI at /openapi.json. Writes need NEWSDESK_API_KEY (sent as
    `X-API-Key` or `Authorization: Bearer`); without it the API is read-only.
    """
    # Imported here: every `newsdesk` process (each worker too) would otherwise load FastAPI.
    import uvicorn

    from services.api.app import create_app

    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )
