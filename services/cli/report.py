"""Tables the CLI prints: an episode's segments, the deliveries a receiver got."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from services.cli.receiver import Received
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.repository import StoryRepository

# Piped output keeps whole headlines on one line instead of folding at 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=160)


def segments_table(title: str, rows: Sequence[dict[str, object]]) -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("#", "kind", "lines", "section", "headline"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["index"]),
            str(row["kind"]),
            f"{row['start_line']}–{row['end_line']}",
            str(row.get("section") or ""),
            str(row.get("headline") or ""),
        )
    return table


async def print_episode(settings: Settings, episode_id: str) -> None:
    engine = create_engine(settings.effective_database_url)
    await migrate(engine)
    try:
        rows = await StoryRepository(sessions(engine)).segments(episode_id=episode_id)
    finally:
        await engine.dispose()
    stories = sum(1 for r in rows if r.kind == "story")
    ads = sum(1 for r in rows if r.kind == "ad")
    title = f"episode {episode_id}: {len(rows)} segments, {stories} stories, {ads} ads"
    data = [
        {
            c: getattr(r, c)
            for c in ("index", "kind", "start_line", "end_line", "section", "headline")
        }
        for r in rows
    ]
    console.print(segments_table(title, data))


def print_received(received: Sequence[Received]) -> None:
    table = Table(title=f"deliveries received this run: {len(received)}")
    for column in ("webhook-id", "section", "headline"):
        table.add_column(column, overflow="fold")
    for item in received:
        body = item.json().get("data") or {}
        table.add_row(
            item.headers.get("webhook-id", ""),
            str(body.get("section") or ""),
            str(body.get("headline") or ""),
        )
    console.print(table)
