"""`newsdesk schemas export` and `newsdesk schemas asyncapi`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from schemas.export import SCHEMA_DIR, stale_schemas, write_schemas
from services.cli.app import schemas_app
from services.cli.runtime import load_settings
from services.cli.stages import build_stages


@schemas_app.command("export")
def export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write.")] = SCHEMA_DIR,
    check: Annotated[
        bool, typer.Option("--check", help="Only report stale files; exit 1 if any.")
    ] = False,
) -> None:
    """Write one JSON Schema file per event (name, version and stream inside)."""
    if check:
        stale = stale_schemas(directory)
        for name in stale:
            typer.echo(f"stale: {name}")
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(directory):
        typer.echo(f"wrote {path}")


@schemas_app.command("asyncapi")
def asyncapi(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Print (or write) the AsyncAPI 3 document of every stage's channels and messages."""
    settings = load_settings(embeddings=False)
    broker = RedisBroker(settings.redis_url or "redis://localhost:6379")
    for stage in build_stages(settings, settings.redis_url or "redis://localhost:6379"):
        broker.include_router(stage.router)
    document = AsyncAPI(broker, title="newsdesk", version="1").to_specification().to_json()
    if output:
        output.write_text(document + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(document)
