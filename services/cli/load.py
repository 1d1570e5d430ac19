"""`newsdesk bench pipeline`: throughput, latency, memory and the bus's share, measured."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.bench.pipeline import LAYOUT, Figures, run
from services.cli.app import bench_app
from services.cli.runtime import load_settings
from services.cli.sources import SAMPLE

console = Console(stderr=True)


def _table(figures: Figures) -> Table:
    data = figures.as_json()
    table = Table(title=f"pipeline: {figures.episodes} episodes, workers {LAYOUT}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in (
        "episodes_per_min",
        "stories_per_s",
        "p50_latency_s",
        "p95_latency_s",
        "p99_latency_s",
        "bus_share_of_cpu",
        "relay_ratio",
        "relay_msgs_per_s",
        "bare_msgs_per_s",
        "stories",
        "deliveries",
        "duplicates",
        "lost",
        "seconds",
    ):
        table.add_row(key, str(data[key]))
    for worker, mb in figures.peak_rss_mb.items():
        table.add_row(f"peak_rss_mb {worker}", f"{mb:.0f}")
    return table


@bench_app.command("pipeline")
def pipeline(
    episodes: Annotated[int, typer.Option(help="One-hour episodes to push through.")] = 500,
    rate: Annotated[
        float, typer.Option(help="Episodes per minute to publish at; 0 = all at once.")
    ] = 0.0,
    embeddings: Annotated[bool, typer.Option(help="Sentence embeddings on, as by default.")] = True,
    low_memory: Annotated[
        bool, typer.Option(help="NEWSDESK_EMBEDDINGS_LOW_MEMORY for the workers.")
    ] = False,
    relay_messages: Annotated[int, typer.Option(help="Messages for the bus baseline.")] = 3000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Every worker as its own process (two replicas of each text stage) on a private Redis.

    Prints episodes per minute, stories per second, end-to-end latency (episode published to
    delivery received), peak RSS per worker, the bus/store/delivery share of CPU, and the
    FastStream relay against a bare redis-py relay in the same run.
    """
    if episodes < 1:
        raise typer.BadParameter("--episodes must be at least 1")
    load_settings(log_level="WARNING")
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp, console.status("") as s:

        def progress(delivered: int, backlog: int) -> None:
            s.update(f"{delivered} stories delivered, {backlog} events in flight")

        figures = asyncio.run(
            run(
                Path(tmp),
                SAMPLE,
                episodes,
                rate_per_min=rate,
                embeddings=embeddings,
                low_memory=low_memory,
                relay_messages=relay_messages,
                progress=progress,
            )
        )
    if as_json:
        typer.echo(json.dumps(figures.as_json(), indent=2))
    else:
        Console().print(_table(figures))
