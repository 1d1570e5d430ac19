"""`newsdesk episodes list` and `newsdesk stories list`: what the store holds."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from services.cli.app import app
from services.cli.runtime import load_settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.models import Episode, SegmentRow
from services.storage.repository import StoryRepository

episodes_app = typer.Typer(help="Episodes in the store.")
stories_app = typer.Typer(help="Stories (and other segments) in the store.")
app.add_typer(episodes_app, name="episodes")
app.add_typer(stories_app, name="stories")
console = Console()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


async def _repository_call(fetch: Any) -> Any:
    engine = create_engine(load_settings().effective_database_url)
    try:
        await migrate(engine)
        return await fetch(StoryRepository(sessions(engine)))
    finally:
        await engine.dispose()


def _episode_json(e: Episode) -> dict[str, Any]:
    return {
        "episode_id": e.episode_id,
        "title": e.title,
        "podcast": e.podcast,
        "published": e.published.isoformat() if e.published else None,
        "source": e.source,
        "segments": e.segment_count,
        "feed_id": e.feed_id,
    }


def _story_json(s: SegmentRow) -> dict[str, Any]:
    return {
        "story_id": s.segment_id,
        "episode_id": s.episode_id,
        "index": s.index,
        "kind": s.kind,
        "section": s.section,
        "headline": s.headline,
        "summary": s.summary,
        "entities": s.entities,
        "start_line": s.start_line,
        "end_line": s.end_line,
        "start_s": s.start_s,
        "end_s": s.end_s,
    }


@episodes_app.command("list")
def list_episodes(
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
) -> None:
    """List stored episodes, newest first."""
    rows = asyncio.run(_repository_call(lambda repo: repo.episodes(limit)))
    if as_json:
        typer.echo(json.dumps([_episode_json(e) for e in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} episodes")
    for column in ("episode", "podcast", "title", "published", "segments"):
        table.add_column(column, overflow="fold")
    for e in rows:
        table.add_row(
            e.episode_id, e.podcast, e.title, str(e.published or ""), str(e.segment_count or "")
        )
    console.print(table)


@stories_app.command("list")
def list_stories(
    episode: Annotated[str | None, typer.Option(help="Only this episode's stories.")] = None,
    all_kinds: Annotated[
        bool, typer.Option("--all-kinds", help="Include ads, intros and outros.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List stored stories with their episode, section, headline, summary and entities."""
    kinds = None if all_kinds else ["story"]
    rows = asyncio.run(
        _repository_call(lambda repo: repo.segments(episode_id=episode, kinds=kinds))
    )
    if as_json:
        typer.echo(json.dumps([_story_json(s) for s in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} stories")
    for column in ("episode", "#", "kind", "section", "headline", "entities"):
        table.add_column(column, overflow="fold")
    for s in rows:
        names = ", ".join(e["name"] for e in s.entities[:4])
        table.add_row(s.episode_id[:8], str(s.index), s.kind, s.section or "", s.headline, names)
    console.print(table)
