"""Entry point: imports every command module so each registers its commands on the app.

`newsdesk worker ...` imports the worker command alone: a worker process then holds its own
stage's libraries, not those of every other command (storage, migrations, reports, the API):
40 to 70 MB less RSS per worker, measured with `newsdesk bench pipeline`.
"""

from __future__ import annotations

import sys

from services.cli.app import app


def _register_commands() -> None:
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
        worker,
    )


if sys.argv[1:2] == ["worker"]:
    from services.cli import worker  # noqa: F401
else:
    _register_commands()


def main() -> None:
    app()
