"""`newsdesk feeds …` and `newsdesk seed` as a user runs them, on a throwaway SQLite."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import feeds  # noqa: F401  (registers the commands)
from services.cli.app import app
from services.runtime.logging import configure_logging

pytestmark = pytest.mark.e2e


@pytest.fixture
def newsdesk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NEWSDESK_DATABASE_URL", raising=False)
    yield CliRunner()
    # Commands bind logging to the runner's stderr, which is closed once it returns.
    configure_logging()


def plain(output: str) -> str:
    """Rich draws errors in a wrapped panel; words only, so that messages can be matched."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", output)


def listed(runner: CliRunner) -> list[dict[str, object]]:
    result = runner.invoke(app, ["feeds", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_add_list_refresh_remove(newsdesk: CliRunner) -> None:
    url = "https://news.example/feed.xml"
    added = newsdesk.invoke(
        app, ["feeds", "add", url, "--name", "Example", "--backfill", "5",
              "--taxonomy", "general-news"],
    )  # fmt: skip
    assert added.exit_code == 0 and "1 added" in added.stdout
    again = newsdesk.invoke(app, ["feeds", "add", url])
    assert "already registered" in again.stdout
    (row,) = listed(newsdesk)
    assert (row["url"], row["name"], row["backfill"]) == (url, "Example", 5)
    assert row["status"] == "active"
    assert row["taxonomy"] == "general-news" and row["consecutive_errors"] == 0
    assert newsdesk.invoke(app, ["feeds", "refresh", url]).exit_code == 0
    assert newsdesk.invoke(app, ["feeds", "remove", str(row["feed_id"])]).exit_code == 0
    assert listed(newsdesk) == []
    assert newsdesk.invoke(app, ["feeds", "remove", url]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feeds", "add", "ftp://example.org/feed"], "not an http(s) URL"),
        (["feeds", "add", "https://e.org/f", "--taxonomy", "nope"], "unknown taxonomy"),
        (["feeds", "add", "https://e.org/f", "--backfill", "-1"], "greater than or equal to 0"),
    ],
)
def test_bad_input_is_a_usage_error(newsdesk: CliRunner, args: list[str], message: str) -> None:
    result = newsdesk.invoke(app, args)
    assert result.exit_code == 2
    assert message in plain(result.output)


def test_seed_then_export_then_import_elsewhere(
    newsdesk: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert newsdesk.invoke(app, ["seed"]).exit_code == 0
    seeded = listed(newsdesk)
    assert len(seeded) >= 10
    exported = tmp_path / "mine.opml"
    assert newsdesk.invoke(app, ["feeds", "export", "--output", str(exported)]).exit_code == 0
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    assert newsdesk.invoke(app, ["feeds", "import", str(exported)]).exit_code == 0
    imported = listed(newsdesk)
    assert [(r["url"], r["taxonomy"]) for r in imported] == [
        (r["url"], r["taxonomy"]) for r in seeded
    ]


def test_importing_a_file_that_is_not_opml_says_why(newsdesk: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body>hi</body></html>")
    result = newsdesk.invoke(app, ["feeds", "import", str(page)])
    assert result.exit_code == 2 and "not an OPML document" in plain(result.output)
