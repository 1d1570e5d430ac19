"""`newsdesk replay` on a real Redis: a taxonomy change replayed, dry runs, groups moved back."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from schemas import SegmentClassified, SegmentDetected, StorySummarized
from services.cli.receiver import WebhookReceiver
from services.cli.stages import STAGES
from services.runtime.entries import decode_rows
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from tests.e2e.replay.conftest import (
    FROM_CLASSIFIER,
    Cli,
    cli_json,
    eventually,
    publish,
    sections,
    story_events,
    write_taxonomy,
)

pytestmark = pytest.mark.e2e


@pytest.mark.usefixtures("processed")
async def test_a_taxonomy_change_replayed_updates_sections_and_alerts_nobody_twice(
    cli: Cli, pipeline_settings: Settings, redis_url: str, receiver: WebhookReceiver
) -> None:
    write_taxonomy(Path(str(pipeline_settings.taxonomy_file)), "finance")

    result = cli_json(await cli("replay", "classifier", "--from", "-", "--json"))

    assert result["queued"] == 3 and result["processed"] is True
    assert result["stages"] == FROM_CLASSIFIER
    assert list(result["segments_changed"].values()) == [["section", "topics"]]
    assert result["deliveries_sent"] == 0
    assert await sections(pipeline_settings) == {0: "finance", 1: None, 2: "science"}
    assert len(receiver.snapshot()) == 2
    client = Redis.from_url(redis_url)
    copies = await client.xlen(SegmentDetected.stream)
    await client.aclose()
    assert copies == 6


@pytest.mark.usefixtures("processed")
async def test_redeliver_sends_the_replayed_stories_again(
    cli: Cli, receiver: WebhookReceiver
) -> None:
    result = cli_json(await cli("replay", "store", "--from", "-", "--republish", "--redeliver",
                                "--episode", "ep1", "--json"))  # fmt: skip
    assert result["stages"] == ["store", "notifier"]
    assert result["deliveries_sent"] == 2
    sent = receiver.snapshot()
    assert len(sent) == 4
    # The same two deliveries again (Standard Webhooks ids are per delivery).
    assert {r.headers["webhook-id"] for r in sent[2:]} == {
        r.headers["webhook-id"] for r in sent[:2]
    }


@pytest.mark.usefixtures("processed")
async def test_a_dry_run_shows_what_would_change_and_writes_nothing(
    cli: Cli, pipeline_settings: Settings, redis_url: str
) -> None:
    client = Redis.from_url(redis_url)
    lengths = [await client.xlen(e.stream) for e in (SegmentDetected, SegmentClassified,
                                                    StorySummarized)]  # fmt: skip
    write_taxonomy(Path(str(pipeline_settings.taxonomy_file)), "finance")

    result = cli_json(await cli("replay", "classifier", "--from", "-", "--dry-run", "--json"))

    assert result["would_change"] == 1
    first, ad, last = result["entries"]
    assert first["emits"] == "SegmentClassified section=finance"
    assert {"field": "section", "stored": "markets", "new": "finance", "segment": 0} in first[
        "changes"
    ]
    assert ad["changes"] == [] and last["changes"] == []
    assert [await client.xlen(e.stream) for e in (SegmentDetected, SegmentClassified,
                                                  StorySummarized)] == lengths  # fmt: skip
    assert await sections(pipeline_settings) == {0: "markets", 1: None, 2: "science"}
    table = await cli("replay", "classifier", "--from", "-", "--dry-run")
    assert "section: markets → finance" in table.stdout
    assert "1 of 3 would change the store; nothing was written" in table.stdout
    await client.aclose()


@pytest.mark.usefixtures("processed")
async def test_into_moves_a_group_back_and_the_stage_reprocesses_from_there(
    cli: Cli, pipeline_settings: Settings, redis_url: str, receiver: WebhookReceiver
) -> None:
    client = Redis.from_url(redis_url)
    second = decode_rows(SegmentDetected.stream, await client.xrange(SegmentDetected.stream))[
        1
    ].entry_id
    write_taxonomy(Path(str(pipeline_settings.taxonomy_file)), "finance")

    result = cli_json(await cli("replay", "classifier", "--from", second, "--into", "classifier",
                                "--json"))  # fmt: skip

    # Only the ad and the science story come after `second`: the markets story keeps its label.
    assert result["queued"] == 2 and result["processed"] is True
    assert await sections(pipeline_settings) == {0: "markets", 1: None, 2: "science"}
    assert len(receiver.snapshot()) == 2
    group = cli_json(await cli("replay", "summarizer", "--from", "-", "--into", "audit",
                               "--json"))  # fmt: skip
    assert group == {"stream": SegmentClassified.stream, "queued": 5, "processed": False,
                     "left_to": []}  # fmt: skip
    info = {g["name"].decode(): g for g in await client.xinfo_groups(SegmentClassified.stream)}
    assert info["audit"]["last-delivered-id"] == b"0-0"
    await client.aclose()


async def test_a_range_older_than_what_is_retained_warns(cli: Cli, redis_url: str) -> None:
    await publish(redis_url, story_events())
    client = Redis.from_url(redis_url)
    # Trimming exactly (not ~) so the oldest entry is surely gone.
    await client.xtrim(SegmentDetected.stream, maxlen=2, approximate=False)
    await client.aclose()

    result = await cli("replay", "classifier", "--from", "-", "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    assert "older entries in the range were trimmed" in result.stderr
    assert len(cli_json(result)["entries"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classifier", "--from", "-", "--dry-run", "--republish"], "choose one of"),
        (["classifier", "--from", "-", "--into", "g", "--dry-run"], "choose one of"),
        (["classifier", "--from", "-", "--dry-run", "--redeliver"], "--redeliver"),
        (["classifier", "--from", "-", "--into", "g", "--episode", "e"], "--republish"),
        (["classifier", "--from", "last tuesday", "--dry-run"], "entry id"),
        (["nonsense", "--from", "-", "--dry-run"], "unknown stream"),
        (["dlq", "--from", "-", "--dry-run"], "dlq requeue"),
    ],
)
async def test_bad_options_are_refused_clearly(cli: Cli, args: list[str], message: str) -> None:
    result = await cli("replay", *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.usefixtures("processed")
async def test_with_workers_running_the_replay_is_left_to_them(
    cli: Cli, pipeline_settings: Settings, redis_url: str, receiver: WebhookReceiver
) -> None:
    write_taxonomy(Path(str(pipeline_settings.taxonomy_file)), "finance")
    stages = [STAGES[name](pipeline_settings, redis_url) for name in FROM_CLASSIFIER]
    async with StageHost(stages, pipeline_settings, redis_url):
        result = cli_json(await cli("replay", "classifier", "--from", "-", "--json"))

        assert result["processed"] is False and result["queued"] == 3
        assert set(result["left_to"]) == set(FROM_CLASSIFIER)

        async def relabelled() -> bool:
            return (await sections(pipeline_settings))[0] == "finance"

        await eventually(relabelled)
    assert len(receiver.snapshot()) == 2
