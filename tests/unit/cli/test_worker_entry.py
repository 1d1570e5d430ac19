"""`newsdesk worker` imports only what a worker runs; every other command is still there."""

from __future__ import annotations

import json
import subprocess
import sys

import typer.main

import services.cli.main  # noqa: F401  (registers every command)
from services.cli.app import app

PROBE = """
import json, sys
sys.argv = {argv!r}
import services.cli.main
from services.cli.app import app
import typer.main
print(json.dumps({{
    "commands": sorted(typer.main.get_command(app).commands),
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")
                      or m.startswith(("services.storage", "services.cli.report"))),
}}))
"""


def _probe(argv: list[str]) -> dict[str, list[str]]:
    code = PROBE.format(argv=argv)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, list[str]] = json.loads(out.stdout)
    return result


def test_a_worker_process_imports_no_storage_or_report_modules() -> None:
    probe = _probe(["newsdesk", "worker", "classifier"])
    assert probe["modules"] == []
    assert "worker" in probe["commands"]


def test_any_other_command_line_registers_every_command() -> None:
    probe = _probe(["newsdesk", "--help"])
    assert {"worker", "demo", "run", "ingest", "analyze", "eval", "bench"} <= set(probe["commands"])
    assert probe["commands"] == sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
