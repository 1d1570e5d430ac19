"""Entry point: imports every command module so each registers its commands on the app."""

from __future__ import annotations

from services.cli import analyze, browse, health, pipeline, schemas_cmd  # noqa: F401
from services.cli import classify  # noqa: F401
from services.cli import summaries  # noqa: F401
from services.cli import transcripts  # noqa: F401
from services.cli import feeds  # noqa: F401
from services.cli import segments  # noqa: F401
from services.cli import api_cmd, deliveries, subscriptions  # noqa: F401
from services.cli import dlq, events, replay, status, trace  # noqa: F401
from services.cli.app import app


def main() -> None:
    app()
