"""The `newsdesk` command: the root app and the groups other modules add commands to."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="newsdesk",
    help="Turn news podcasts and feeds into classified, summarized stories and alerts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
eval_app = typer.Typer(help="Score segmentation, labels and summaries against gold files.")
bench_app = typer.Typer(help="Measure speed and memory; each prints its figures.")
schemas_app = typer.Typer(help="Export the event contract as JSON Schema and AsyncAPI.")

app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(schemas_app, name="schemas")
