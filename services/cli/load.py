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
from services.bench.scaling import linearity, parse_lengths
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
        "relay_ratios",
        "relay_load_average",
        "relay_msgs_per_s",
        "bare_msgs_per_s",
        "relay_cpu_us_per_msg",
        "bare_cpu_us_per_msg",
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


def _lengths_table(figures: Figures) -> Table:
    total, net = linearity(figures.lengths), linearity(figures.lengths, net_of_idle=True)
    table = Table(
        title="cost against transcript length, every worker's CPU: per hour, longest over "
        f"shortest x{total.cpu_per_hour_ratio:.2f}, R² {total.r_squared:.4f}; "
        f"net of idle polling x{net.cpu_per_hour_ratio:.2f}, R² {net.r_squared:.4f}"
    )
    columns = (
        "length",
        "episodes",
        "transcript hours",
        "CPU s",
        "CPU s/hour",
        "idle polling cores",
        "net CPU s/hour",
        "stories",
        "wall s",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for batch in figures.lengths:
        table.add_row(
            f"{batch.multiple}x",
            str(batch.episodes),
            f"{batch.hours:g}",
            f"{batch.cpu_s:.1f}",
            f"{batch.cpu_per_hour_s:.2f}",
            f"{batch.idle_cores:.2f}",
            f"{batch.work_cpu_s / batch.hours:.2f}",
            str(batch.stories),
            f"{batch.seconds:.1f}",
        )
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
    relay_messages: Annotated[
        int, typer.Option(min=1, help="Messages per relay per round for the bus baseline.")
    ] = 3000,
    relay_rounds: Annotated[
        int, typer.Option(min=1, help="Rounds of both relays, alternating; the median counts.")
    ] = 5,
    lengths: Annotated[
        str,
        typer.Option(
            help="Also measure cost against length: comma-separated multiples of the sample's "
            "transcript, such as 1,2,4; a batch of episodes each, after the throughput run."
        ),
    ] = "",
    length_episodes: Annotated[
        int, typer.Option(min=1, help="Episodes per batch of --lengths.")
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Every worker as its own process (two replicas of each text stage) on a private Redis.

    Prints episodes per minute, stories per second, end-to-end latency (episode published to
    delivery received), peak RSS per worker, the bus/store/delivery share of CPU, and the
    FastStream relay against a bare redis-py relay (once the workers are stopped: alternating
    rounds, the median ratio). With --lengths, also every worker's CPU per transcript hour at
    each multiple of the sample's length, and how close to linear that is.
    """
    if episodes < 1:
        raise typer.BadParameter("--episodes must be at least 1")
    try:
        multiples = parse_lengths(lengths) if lengths else []
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lengths") from exc
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
                relay_rounds=relay_rounds,
                lengths=multiples,
                length_episodes=length_episodes,
                progress=progress,
            )
        )
    if as_json:
        typer.echo(json.dumps(figures.as_json(), indent=2))
    else:
        Console().print(_table(figures))
        if figures.lengths:
            Console().print(_lengths_table(figures))
