"""`newsdesk bench faults`: the table, the JSON keys and the exit code, on stand-in scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import faults as cli
from services.cli.app import app
from services.faults.outcome import Outcome

KEYS = {"faults_injected", "faults_survived", "bad_inputs_tried", "bad_inputs_handled",
        "events_lost", "duplicates"}  # fmt: skip


async def survives(root: Path) -> Outcome:
    outcome = Outcome("survives")
    outcome.fault(True, "killed and claimed")
    outcome.bad_input(True, "handled")
    return outcome


async def loses(root: Path) -> Outcome:
    outcome = Outcome("loses")
    outcome.fault(False, "a story went missing")
    outcome.events_lost = 1
    return outcome


async def breaks(root: Path) -> Outcome:
    raise RuntimeError("redis-server would not start")


@pytest.fixture(autouse=True)
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    scenarios = {"survives": survives, "loses": loses, "breaks": breaks}
    monkeypatch.setattr("services.faults.suite.SCENARIOS", scenarios)
    monkeypatch.setattr(cli, "SCENARIOS", scenarios)


def test_json_has_the_six_figures_summed_over_scenarios() -> None:
    result = CliRunner().invoke(app, ["bench", "faults", "--only", "survives", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= KEYS
    assert (report["faults_injected"], report["faults_survived"]) == (1, 1)
    assert (report["bad_inputs_tried"], report["bad_inputs_handled"]) == (1, 1)
    assert report["scenarios"][0]["passed"] is True


def test_a_loss_or_a_broken_scenario_fails_the_run_and_says_why() -> None:
    result = CliRunner().invoke(app, ["bench", "faults"])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "a story went missing" in result.output
    assert "redis-server would not start" in result.output


def test_an_unknown_scenario_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["bench", "faults", "--only", "nope"])
    assert result.exit_code == 2
    assert "unknown scenario" in result.output
