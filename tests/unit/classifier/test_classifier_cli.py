"""`newsdesk classify`, `eval classify` and `bench classify` through the typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import services.cli.classify  # noqa: F401  (registers the commands)
from services.cli.app import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def keywords_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_EMBEDDINGS", "false")  # fast; the model is tested elsewhere


def test_classify_finds_a_misspelled_company() -> None:
    result = runner.invoke(
        app, ["classify", "-", "--json"], input="anthropik announced a new model"
    )
    assert result.exit_code == 0, result.output
    assert "Anthropic" in [e["name"] for e in json.loads(result.output)["entities"]]


def test_classify_table_and_bad_input(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Senators propose a bill to regulate AI chatbots for teens.")
    table = runner.invoke(app, ["classify", str(story)])
    assert table.exit_code == 0 and "policy-and-safety" in table.output
    assert runner.invoke(app, ["classify", str(tmp_path / "missing.txt")]).exit_code == 2
    assert runner.invoke(app, ["classify", "-"], input="  ").exit_code == 2
    assert runner.invoke(app, ["classify", str(story), "--taxonomy", "nope"]).exit_code == 2


def test_eval_and_bench_on_a_small_gold(tmp_path: Path) -> None:
    transcript = tmp_path / "show.txt"
    transcript.write_text(
        "On to policy and safety. Senators passed a bill on AI safety rules.\n"
        "OpenAI said the law was fine.\n"
        "On to business. A startup raised $2 billion at a $20 billion valuation.\n"
    )
    gold = tmp_path / "show.gold.json"
    gold.write_text(
        json.dumps(
            {
                "transcript": "show.txt",
                "segments": [
                    {"start_line": 1, "kind": "story", "section": "policy-and-safety",
                     "entities": ["OpenAI"]},
                    {"start_line": 3, "kind": "story", "section": "applications-and-business",
                     "entities": []},
                ],
            }
        )
    )  # fmt: skip
    headlines = tmp_path / "h.jsonl"
    headlines.write_text(json.dumps({"text": "Startup raises $1 billion", "section": "x"}) + "\n")
    evaluated = runner.invoke(app, ["eval", "classify", str(gold), str(headlines), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    figures = json.loads(evaluated.output)
    assert figures["stories"]["pipeline"]["accuracy"] == 1.0
    assert figures["stories"]["entities"]["recall"] == 1.0
    assert figures["headlines"]["content"]["total"] == 1
    bench = runner.invoke(app, ["bench", "classify", str(gold), "--rounds", "1", "--json"])
    assert bench.exit_code == 0 and json.loads(bench.output)["stories"] == 2
