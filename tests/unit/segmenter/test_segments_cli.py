"""`newsdesk eval segments` and `newsdesk bench segment` as a user runs them."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from services.cli import segments  # noqa: F401  (registers the commands)
from services.cli.app import app

from .conftest import GOLD

runner = CliRunner()


def test_eval_prints_figures_per_file_and_the_mean_as_json() -> None:
    files = [str(GOLD / "sample.gold.json"), str(GOLD / "harbor_briefing.gold.json")]
    result = runner.invoke(app, ["eval", "segments", *files, "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [f["gold"] for f in report["files"]] == files
    assert report["files"][0]["scores"]["pk"] <= 0.08
    assert report["mean"]["pk"] <= 0.25
    assert report["mean"]["section_accuracy"] is not None


def test_eval_table() -> None:
    result = runner.invoke(
        app, ["eval", "segments", str(GOLD / "circuit_daily.gold.json"), "--no-embeddings"]
    )
    assert result.exit_code == 0, result.output
    assert "WindowDiff" in result.output and "boundary F1" in result.output


def test_eval_rejects_missing_or_malformed_gold(tmp_path: object) -> None:
    assert runner.invoke(app, ["eval", "segments", "nope.gold.json"]).exit_code == 2
    bad = GOLD.parent / "transcripts" / "harbor_briefing_2026-05-04.txt"
    result = runner.invoke(app, ["eval", "segments", str(bad), "--no-embeddings"])
    assert result.exit_code == 2
    assert "is not a gold file" in re.sub(r"[\s\u2502]+", " ", result.output)


def test_bench_times_each_size() -> None:
    result = runner.invoke(app, ["bench", "segment", "--sizes", "1,2", "--repeat", "1", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["embeddings"], r["multiple"]) for r in rows] == [
        (False, 1),
        (False, 2),
        (True, 1),
        (True, 2),
    ]
    assert rows[1]["chars"] > rows[0]["chars"] and all(r["seconds"] > 0 for r in rows)


def test_bench_rejects_bad_sizes() -> None:
    assert runner.invoke(app, ["bench", "segment", "--sizes", "x"]).exit_code == 2
    assert runner.invoke(app, ["bench", "segment", "--sizes", "0"]).exit_code == 2
