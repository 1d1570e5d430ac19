"""`newsdesk bench faults`: the fault suite's scenarios on real worker processes, tallied."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.cli.app import bench_app
from services.faults.outcome import Outcome, totals
from services.faults.suite import SCENARIOS, run_scenario

console = Console()
progress = Console(stderr=True)


async def _run(names: Sequence[str], root: Path) -> list[Outcome]:
    outcomes = []
    for name in names:
        with progress.status(f"fault scenario {name}…"):
            outcomes.append(await run_scenario(name, root))
    return outcomes


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="newsdesk-faults-") as tmp:
        yield Path(tmp)


def _table(outcomes: Sequence[Outcome]) -> Table:
    table = Table(title="fault suite")
    for column in ("scenario", "faults survived", "bad inputs handled", "events lost",
                   "duplicates", "seconds", "verdict"):  # fmt: skip
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for o in outcomes:
        table.add_row(o.scenario, f"{o.faults_survived}/{o.faults_injected}",
                      f"{o.bad_inputs_handled}/{o.bad_inputs_tried}", str(o.events_lost),
                      str(o.duplicates), f"{o.seconds:.1f}",
                      "[green]pass[/]" if o.passed else "[red]FAIL[/]")  # fmt: skip
    t = totals(outcomes)
    table.add_row("total", f"{t['faults_survived']}/{t['faults_injected']}",
                  f"{t['bad_inputs_handled']}/{t['bad_inputs_tried']}", str(t["events_lost"]),
                  str(t["duplicates"]), f"{sum(o.seconds for o in outcomes):.1f}",
                  "[green]pass[/]" if all(o.passed for o in outcomes) else "[red]FAIL[/]",
                  style="bold")  # fmt: skip
    return table


@bench_app.command("faults")
def bench_faults(
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Run just these scenarios: {', '.join(SCENARIOS)}."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep each scenario's Redis, database and worker logs here."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what happened.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
) -> None:
    """Inject faults into real `newsdesk worker` processes and count what survived.

    Kills a worker mid-message, kills and restarts Redis, takes Redis away for
    30 s, poisons every stage's stream, takes the webhook receiver down, replays
    every stage's events, and sweeps bad input (the feed corpus, broken
    transcripts and audio), each on a private Redis, SQLite and receiver.
    Prints faults injected and survived, bad inputs tried and handled, events
    lost and duplicates (both must be 0); exits 1 when a scenario fails.
    Takes about three minutes.
    """
    names = only or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise typer.BadParameter(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
    with _workdir(workdir) as root:
        outcomes = asyncio.run(_run(names, root))
    if as_json:
        report = {**totals(outcomes), "scenarios": [o.as_dict() for o in outcomes]}
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        console.print(_table(outcomes))
        for o in outcomes:
            for note in o.notes if verbose or not o.passed else []:
                console.print(f"  {o.scenario}: {note}", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if all(o.passed for o in outcomes) else 1)
