"""`newsdesk status`, `events` and `trace` on a real Redis, after one episode went through."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import pytest
from redis.asyncio import Redis

from schemas import SegmentClassified, SegmentDetected, StorySummarized
from services.runtime.entries import decode_rows
from services.runtime.settings import Settings
from tests.e2e.replay.conftest import Cli, cli_json, environment, publish, story_events

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processed")]


async def test_status_shows_streams_groups_lag_and_the_oldest_pending_entry(
    cli: Cli, redis_url: str
) -> None:
    client = Redis.from_url(redis_url)
    await client.xgroup_create(SegmentDetected.stream, "audit", id="0")
    await client.xreadgroup("audit", "slow-reader", {SegmentDetected.stream: ">"}, count=1)
    await client.aclose()

    status = cli_json(await cli("status", "--json"))

    streams = {s["stream"]: s for s in status["streams"]}
    assert {s: streams[s]["length"] for s in (SegmentDetected.stream, SegmentClassified.stream,
            StorySummarized.stream)} == dict.fromkeys(streams, 3)  # fmt: skip
    assert streams[SegmentDetected.stream]["retention"] == "MAXLEN ~100000"
    groups = {(g["stream"], g["group"]): g for g in status["groups"]}
    assert {g for _, g in groups} == {"classifier", "summarizer", "store", "notifier", "audit"}
    audit = groups[(SegmentDetected.stream, "audit")]
    assert (audit["lag"], audit["pending"], audit["consumers"], audit["active_consumers"]) == (
        2, 1, 1, 1)  # fmt: skip
    assert audit["oldest_pending_id"] == streams[SegmentDetected.stream]["first_id"]
    done = groups[(StorySummarized.stream, "notifier")]
    assert (done["lag"], done["pending"]) == (0, 0)
    assert status["dead_letters"]["total"] == 0
    table = await cli("status")
    assert "segment-detected" in table.stdout and "dead letters: 0" in table.stdout


async def test_events_tail_and_show_decode_the_entries(cli: Cli, redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    newest = decode_rows(StorySummarized.stream, await client.xrevrange(StorySummarized.stream))
    await client.aclose()

    tail = await cli("events", "tail", "story-summarized", "-n", "2", "--json")

    assert tail.exit_code == 0, tail.output
    last_two = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [e["entry_id"] for e in last_two] == [newest[1].entry_id, newest[0].entry_id]
    assert [e["body"] for e in last_two] == [newest[1].body, newest[0].body]
    assert all(e["body"]["event_type"] == "StorySummarized" for e in last_two)

    shown = cli_json(await cli("events", "show", "story-summarized", last_two[0]["entry_id"],
                               "--json"))  # fmt: skip
    assert shown == last_two[0]
    table = await cli("events", "tail", "summarizer")
    assert "SegmentClassified" in table.stdout and "section=science" in table.stdout
    assert (await cli("events", "show", "summarizer", "not-an-id")).exit_code == 2
    assert (await cli("events", "show", "summarizer", "1-0")).exit_code == 1


async def test_events_follow_prints_new_entries_until_interrupted(
    pipeline_settings: Settings, redis_url: str
) -> None:
    env = os.environ | environment(pipeline_settings, redis_url)
    follower = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from services.cli.main import main; main()", "events", "tail",
        "segment-detected", "-n", "1", "--follow", "--json", env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert follower.stdout is not None
    first = json.loads(await asyncio.wait_for(follower.stdout.readline(), 30))
    await publish(redis_url, story_events("ep2")[:1])
    new = json.loads(await asyncio.wait_for(follower.stdout.readline(), 10))
    follower.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(follower.wait(), 10) == 0
    assert first["body"]["episode"]["episode_id"] == "ep1"
    assert new["body"]["episode"]["episode_id"] == "ep2"


async def test_trace_follows_the_episode_through_every_stage(cli: Cli) -> None:
    trace = cli_json(await cli("trace", "ep1", "--json"))

    assert trace["episode_ids"] == ["ep1"] and trace["correlation_ids"] == ["run-ep1"]
    what = [s["what"].split(" → ")[0] for s in trace["steps"] if s["stage"] != "store"]
    assert what.count("SegmentDetected") == 3 and what.count("StorySummarized") == 3
    assert what.count("delivery delivered") == 2
    times = [s["ms"] for s in trace["steps"]]
    assert times == sorted(times)
    stages = {t["stage"]: t for t in trace["stages"]}
    assert list(stages) == ["classifier", "summarizer", "store", "notifier"]
    assert (stages["classifier"]["inputs"], stages["summarizer"]["outputs"]) == (3, 3)
    assert (stages["store"]["outputs"], stages["notifier"]["outputs"]) == (3, 2)
    assert all(t["max_ms"] >= t["median_ms"] >= 0 for t in trace["stages"])
    assert cli_json(await cli("trace", "run-ep1", "--json"))["steps"] == trace["steps"]
    table = await cli("trace", "ep1")
    assert "time per stage" in table.stdout and "SegmentClassified" in table.stdout
    missing = await cli("trace", "no-such-episode")
    assert missing.exit_code == 1 and "no retained event" in missing.output
