"""The fault suite: real `newsdesk worker` processes on a real Redis, SQLite and receiver.

Each test runs the same scenario `newsdesk bench faults` runs and asserts its tally.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.faults.outcome import Outcome
from services.faults.suite import SCENARIOS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def assert_clean(outcome: Outcome) -> None:
    """Every fault survived, every bad input handled, nothing lost and nothing told twice."""
    why = "\n".join(outcome.notes)
    assert outcome.faults_survived == outcome.faults_injected, why
    assert outcome.bad_inputs_handled == outcome.bad_inputs_tried, why
    assert outcome.events_lost == 0, why
    assert outcome.duplicates == 0, why


async def test_a_worker_killed_mid_message_has_its_entries_claimed(tmp_path: Path) -> None:
    outcome = await SCENARIOS["worker-killed"](tmp_path)
    assert_clean(outcome)
    assert outcome.faults_injected == 1


async def test_redis_killed_mid_run_restarts_from_its_aof_and_the_run_completes(
    tmp_path: Path,
) -> None:
    outcome = await SCENARIOS["redis-restarted"](tmp_path)
    assert_clean(outcome)
    assert outcome.faults_injected == 1


async def test_thirty_seconds_without_redis_no_crash_loop_and_the_backlog_drains(
    tmp_path: Path,
) -> None:
    outcome = await SCENARIOS["redis-down"](tmp_path)
    assert_clean(outcome)
    assert "alive True" in outcome.notes[0]


async def test_poison_at_every_stage_is_dead_lettered_and_the_stream_flows_on(
    tmp_path: Path,
) -> None:
    outcome = await SCENARIOS["poison"](tmp_path)
    assert_clean(outcome)
    # One crashed entry per consumer group (6); three invalid payloads per stream, twice on
    # the stream the store and the notifier share (18); and the hostile valid events.
    assert outcome.faults_injected == 6 + 18
    assert outcome.bad_inputs_tried >= 10


async def test_a_webhook_receiver_down_for_a_while_gets_each_story_once(
    tmp_path: Path,
) -> None:
    outcome = await SCENARIOS["webhook-down"](tmp_path)
    assert_clean(outcome)
    assert outcome.faults_injected == 1


async def test_duplicates_at_every_stage_make_no_duplicate_story_or_alert(
    tmp_path: Path,
) -> None:
    outcome = await SCENARIOS["duplicates"](tmp_path)
    assert_clean(outcome)
    assert outcome.faults_injected == 1 + 5  # publishing thrice, then each stage's stream


async def test_bad_input_ends_in_a_result_or_a_clear_error(tmp_path: Path) -> None:
    outcome = await SCENARIOS["bad-inputs"](tmp_path)
    assert_clean(outcome)
    assert outcome.bad_inputs_tried > 2000  # the feed corpus, and the transcripts
    ended = "\n".join(outcome.notes)
    assert "50 MB transcript → transcriber: PermanentError" in ended
    assert "empty transcript → transcriber: PermanentError" in ended
