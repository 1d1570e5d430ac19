"""`newsdesk subscribe`, `subscriptions …` and `deliveries …` as a user runs them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import services.cli.main  # noqa: F401  (registers every command)
from services.cli.app import app
from services.notifier.core import story_payload
from services.storage.db import create_engine, migrate, sessions
from services.storage.outbox import Outbox, Pending, utcnow
from services.storage.repository import StoryRepository
from tests.e2e.notifier.stories import story

pytestmark = pytest.mark.e2e


@pytest.fixture
def newsdesk(tmp_path: Path) -> Any:
    runner = CliRunner()
    env = {"NEWSDESK_DATA_DIR": str(tmp_path), "NEWSDESK_LOG_LEVEL": "WARNING",
           "SLACK_HOOK": "https://hooks.slack.com/services/T0/B0/abc"}  # fmt: skip

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    run.db = f"sqlite+aiosqlite:///{tmp_path / 'newsdesk.db'}"  # type: ignore[attr-defined]
    return run


def _seed(url: str, subscription_id: str) -> None:
    async def work() -> None:
        engine = create_engine(url)
        await migrate(engine)
        db = sessions(engine)
        for event in (story(1, section="policy-and-safety", entities=("Anthropic",)), story(2)):
            await StoryRepository(db).save_many([event])
        event = story(1)
        due = {subscription_id: utcnow()}
        await Outbox(db).enqueue_many(
            [Pending(event.segment.segment_id, due, story_payload(event))]
        )
        await engine.dispose()

    asyncio.run(work())


def test_subscribe_list_show_pause_resume_remove(newsdesk: Any) -> None:
    out = newsdesk("subscribe", "--webhook", "https://example.com/hook", "--entity", "Anthropic")
    assert "webhook-anthropic" in out and "whsec_" in out
    again = newsdesk("subscribe", "--webhook", "https://example.com/hook", "--entity", "Anthropic")
    assert "already subscribed as 'webhook-anthropic'" in again
    newsdesk("subscribe", "--slack", "https://hooks.slack.com/services/T/B/x", "--section",
             "policy-and-safety", "--digest", "08:00", "--tz", "Europe/Berlin")  # fmt: skip
    listed = json.loads(newsdesk("subscriptions", "list", "--json"))
    assert [(s["name"], s["channel"], s["cadence"], s["secret"]) for s in listed] == [
        ("slack-policy-and-safety", "slack", "digest", None),
        ("webhook-anthropic", "webhook", "realtime", None),
    ]
    shown = json.loads(newsdesk("subscriptions", "show", "webhook-anthropic", "--json", "--secret"))
    assert shown["secret"].startswith("whsec_") and shown["rule"] == {"entities": ["Anthropic"]}
    newsdesk("subscriptions", "pause", "webhook-anthropic")
    paused = json.loads(newsdesk("subscriptions", "show", "webhook-anthropic", "--json"))
    assert paused["state"] == "paused"
    newsdesk("subscriptions", "resume", "webhook-anthropic")
    newsdesk("subscriptions", "remove", "webhook-anthropic", "--yes")
    assert "no subscription" in newsdesk("subscriptions", "show", "webhook-anthropic", code=2)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--entity", "X"], "exactly one of --slack URL or --webhook URL"),
        (["--webhook", "ftp://x", "--entity", "X"], "not an http(s) URL"),
        (["--webhook", "https://x.io", "--keyword", '"open ai'], "unclosed quote"),
        (["--webhook", "https://x.io", "--digest", "25:00"], "HH:MM"),
        (["--webhook", "https://x.io", "--digest", "08:00", "--tz", "Nowhere"], "time zone"),
        (["--webhook", "https://x.io", "--feed", "https://nope.example/rss"], "no feed"),
    ],
)
def test_bad_input_is_a_clear_error(newsdesk: Any, args: list[str], reason: str) -> None:
    assert reason in " ".join(newsdesk("subscribe", *args, code=2).split())


def test_preview_apply_and_deliveries(newsdesk: Any, tmp_path: Path) -> None:
    created = newsdesk("subscribe", "--webhook", "https://example.com/h", "--entity", "anthropic",
                       "--json")  # fmt: skip
    _seed(newsdesk.db, json.loads(created)["subscription_id"])
    preview = json.loads(newsdesk("subscriptions", "preview", "webhook-anthropic", "--json"))
    assert [s["index"] for s in preview] == [1]
    rules = tmp_path / "subs.yaml"
    rules.write_text(
        "subscriptions:\n"
        "  - {name: desk, channel: slack, url: '${SLACK_HOOK}',\n"
        "     rule: {sections: [tools-and-apps]}}\n"
    )
    assert "created desk" in newsdesk("subscriptions", "apply", str(rules))
    rules.write_text(rules.read_text().replace("tools-and-apps", "policy-and-safety"))
    assert "updated desk" in newsdesk("subscriptions", "apply", str(rules))
    desk = json.loads(newsdesk("subscriptions", "show", "desk", "--json"))
    assert (desk["url"], desk["rule"]) == (
        "https://hooks.slack.com/services/T0/B0/abc", {"sections": ["policy-and-safety"]}
    )  # fmt: skip
    (delivery,) = json.loads(newsdesk("deliveries", "list", "--json"))
    assert (delivery["status"], delivery["subscription"]) == ("pending", "webhook-anthropic")
    shown = json.loads(newsdesk("deliveries", "show", delivery["delivery_id"][:6], "--json"))
    assert shown["log"] == []
    assert "1 deliveries queued again" in newsdesk("deliveries", "retry", delivery["delivery_id"])
    assert "choose from" in newsdesk("deliveries", "list", "--status", "lost", code=2)
