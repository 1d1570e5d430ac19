"""`newsdesk dlq` on a real Redis: dead letters listed, shown, fixed and requeued, purged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from redis.asyncio import Redis

from schemas import (
    Classification,
    DeadLettered,
    EpisodeInfo,
    Segment,
    SegmentClassified,
    SegmentDetected,
)
from services.classifier.worker import build_router
from services.runtime.entries import append
from services.runtime.errors import PermanentError
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from tests.e2e.replay.conftest import Cli, cli_json, eventually, has_length, publish, story_events

pytestmark = pytest.mark.e2e


class Taxonomy:
    """Stands in for configuration an operator can fix while the worker runs."""

    def __init__(self) -> None:
        self.fixed = False

    def classify(self, episode: EpisodeInfo, segment: Segment) -> Classification:
        if not self.fixed:
            raise PermanentError("no section fits: the taxonomy is missing one")
        return Classification(section="markets")


async def test_a_letter_whose_cause_is_fixed_is_requeued_and_processed(
    cli: Cli, settings: Settings, redis_url: str
) -> None:
    taxonomy = Taxonomy()
    stage = Stage("classifier", build_router(settings, taxonomy.classify), (SegmentDetected,))
    client = Redis.from_url(redis_url)
    async with StageHost([stage], settings, redis_url):
        await publish(redis_url, story_events()[:1])
        await eventually(lambda: has_length(client, DeadLettered.stream, 1))
        (letter,) = cli_json(await cli("dlq", "list", "--json"))
        assert letter["stage"] == "classifier" and letter["error_type"] == "PermanentError"
        assert letter["episode_id"] == "ep1" and "taxonomy is missing" in letter["reason"]

        taxonomy.fixed = True
        result = cli_json(await cli("dlq", "requeue", letter["letter_id"], "--json"))

        assert list(result["requeued"]) == [letter["letter_id"]]
        await eventually(lambda: has_length(client, SegmentClassified.stream, 1))
    assert await client.xlen(DeadLettered.stream) == 0
    await client.aclose()


async def test_a_broken_payload_is_fixed_by_hand_and_requeued(
    cli: Cli, settings: Settings, redis_url: str, tmp_path: Path
) -> None:
    good = story_events()[0]
    broken = good.model_dump(mode="json")
    del broken["segment"]
    taxonomy = Taxonomy()
    taxonomy.fixed = True
    stage = Stage("classifier", build_router(settings, taxonomy.classify), (SegmentDetected,))
    client = Redis.from_url(redis_url)
    async with StageHost([stage], settings, redis_url):
        await append(client, good.stream, broken, maxlen=1000)
        await eventually(lambda: has_length(client, DeadLettered.stream, 1))
        (letter,) = cli_json(await cli("dlq", "list", "--stage", "classifier", "--json"))
        shown = cli_json(await cli("dlq", "show", letter["letter_id"], "--json"))
        assert shown["error_type"] == "ValidationError"
        assert json.loads(shown["original_payload"]) == broken

        as_is = await cli("dlq", "requeue", letter["letter_id"])
        assert as_is.exit_code == 1 and "not a valid SegmentDetected" in as_is.output
        fixed = tmp_path / "fixed.json"
        fixed.write_text(json.dumps(json.loads(shown["original_payload"]) | {
            "segment": good.segment.model_dump(mode="json")}))  # fmt: skip
        requeued = await cli("dlq", "requeue", letter["letter_id"], "--payload", str(fixed))

        assert requeued.exit_code == 0, requeued.output
        await eventually(lambda: has_length(client, SegmentClassified.stream, 1))
    assert await client.xlen(DeadLettered.stream) == 0
    await client.aclose()


async def test_letters_are_filtered_and_purged(cli: Cli, redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    for stage in ("segmenter", "classifier", "classifier"):
        letter = DeadLettered(stage=stage, reason="bad", error_type="PermanentError",
                              delivery_count=1, original_stream="s", original_entry_id="1-0",
                              original_payload="{}")  # fmt: skip
        await append(client, DeadLettered.stream, letter.model_dump(mode="json"), maxlen=1000)
    await client.aclose()

    assert len(cli_json(await cli("dlq", "list", "--stage", "classifier", "--json"))) == 2
    assert cli_json(await cli("dlq", "list", "--since", "now", "--json")) == []
    status = cli_json(await cli("status", "--json"))
    assert status["dead_letters"] == {"total": 3, "by_stage": {"classifier": 2, "segmenter": 1}}
    refused = await cli("dlq", "purge")
    assert refused.exit_code == 2 and "--all" in refused.output
    declined = await cli("dlq", "purge", "--stage", "classifier", input="n\n")
    assert declined.exit_code == 1
    purged = cli_json(await cli("dlq", "purge", "--stage", "classifier", "--yes", "--json"))
    assert len(purged["purged"]) == 2
    (left,) = cli_json(await cli("dlq", "list", "--json"))
    assert left["stage"] == "segmenter"
    missing = await cli("dlq", "show", "1-0")
    assert missing.exit_code == 1 and "no dead letter 1-0" in missing.output
