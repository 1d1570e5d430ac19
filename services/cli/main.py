"""Entry point: imports every command module so each registers its commands on the app."""

from __future__ import annotations

from services.cli import (  # noqa: F401
    analyze,
    api_cmd,
    browse,
    classify,
    deliveries,
    dlq,
    events,
    faults,
    feeds,
    health,
    load,
    pipeline,
    replay,
    schemas_cmd,
    segments,
    status,
    subscriptions,
    summaries,
    trace,
    transcripts,
)
from services.cli.app import app


def main() -> None:
    app()
