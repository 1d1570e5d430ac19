"""The pure parts of status/trace/replay/dlq: names, positions, identities, timings, diffs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer

from schemas import (
    Classification,
    EpisodeInfo,
    Segment,
    SegmentClassified,
    SegmentDetected,
    SegmentKind,
    StorySummarized,
    Summary,
)
from services.cli.dlq import requeue_body
from services.cli.inspection import ago, parse_position, resolve_stream, stages_from
from services.cli.preview import changes_for, segment_changes
from services.cli.replay import Request, effect, group_position, identity, stages_to_run
from services.cli.trace import stage_timings
from services.runtime.entries import DATA_FIELD, Entry, decode_entry
from services.storage.models import SegmentRow

NOW = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
EPISODE = EpisodeInfo(episode_id="ep1")


def segment(
    index: int = 0, kind: SegmentKind = "story", lines: tuple[int, int] = (1, 9)
) -> Segment:
    return Segment(segment_id=f"s{index}", index=index, count=3, kind=kind,
                   start_line=lines[0], end_line=lines[1], start_char=0, end_char=10,
                   text="text")  # fmt: skip


def entry(stream: str, entry_id: str, body: dict[str, Any]) -> Entry:
    return decode_entry(stream, entry_id, {DATA_FIELD: json.dumps(body).encode()})


@pytest.mark.parametrize(
    ("name", "stream"),
    [
        ("newsdesk.story-summarized.v1", StorySummarized.stream),
        ("story-summarized", StorySummarized.stream),
        ("StorySummarized", StorySummarized.stream),
        ("summarizer", SegmentClassified.stream),
        ("classifier", SegmentDetected.stream),
        ("store", StorySummarized.stream),
        ("dlq", "newsdesk.dead-letter.v1"),
        ("newsdesk.future-thing.v2", "newsdesk.future-thing.v2"),
    ],
)
def test_stream_names_and_aliases(name: str, stream: str) -> None:
    assert resolve_stream(name) == stream


def test_an_unknown_stream_lists_the_choices() -> None:
    with pytest.raises(typer.BadParameter, match="story-summarized"):
        resolve_stream("sumarizer")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("-", "-"),
        ("+", "+"),
        ("1714380000000-3", "1714380000000-3"),
        ("1714380000000", "1714380000000"),
        ("now", str(int(NOW.timestamp() * 1000))),
        ("2h", str(int((NOW - timedelta(hours=2)).timestamp() * 1000))),
        ("2026-05-03T10:00:00Z", str(int(datetime(2026, 5, 3, 10, tzinfo=UTC).timestamp() * 1000))),
    ],
)
def test_positions(text: str, position: str) -> None:
    assert parse_position(text, now=NOW) == position


def test_a_bad_position_says_which_forms_work() -> None:
    with pytest.raises(typer.BadParameter, match="entry id"):
        parse_position("yesterday-ish")


def test_stages_from_a_stream_run_to_the_end_of_the_pipeline() -> None:
    assert stages_from(SegmentClassified.stream) == ["summarizer", "store", "notifier"]
    assert stages_from(StorySummarized.stream) == ["store", "notifier"]


def test_a_group_moved_back_runs_itself_and_what_follows_but_not_its_siblings() -> None:
    into_store = Request(StorySummarized.stream, "-", into="store")
    assert stages_to_run(into_store) == ["store"]
    into_classifier = Request(SegmentDetected.stream, "-", into="classifier")
    assert stages_to_run(into_classifier) == ["classifier", "summarizer", "store", "notifier"]
    assert stages_to_run(Request(SegmentDetected.stream, "-", into="my-own-group")) == []


@pytest.mark.parametrize(
    ("start", "position"),
    [("-", "0-0"), ("1000", "999-18446744073709551615"), ("1000-5", "1000-4")],
)
def test_a_group_stands_just_before_the_first_entry_to_replay(start: str, position: str) -> None:
    assert group_position(start) == position


def test_identity_is_the_segment_else_the_episode_else_the_event() -> None:
    seg = entry("s", "1-0", {"segment": {"segment_id": "abc"}, "episode": {"episode_id": "e"}})
    ep = entry("s", "1-0", {"episode": {"episode_id": "e"}})
    other = entry("s", "1-0", {"event_id": "x"})
    assert [identity(e) for e in (seg, ep, other)] == ["segment:abc", "episode:e", "event:x"]


def test_stage_timings_run_from_input_arrival_to_last_output() -> None:
    trail = [
        entry("a", "1000-0", {"event_id": "t", "producer": "transcriber"}),
        entry("b", "1100-0", {"event_id": "s1", "causation_id": "t", "producer": "segmenter"}),
        entry("b", "1300-0", {"event_id": "s2", "causation_id": "t", "producer": "segmenter"}),
        entry("c", "1400-0", {"event_id": "c1", "causation_id": "s1", "producer": "classifier"}),
        entry("c", "1500-0", {"event_id": "c2", "causation_id": "s2", "producer": "classifier"}),
    ]
    timings = {t.stage: t for t in stage_timings(trail)}
    assert set(timings) == {"segmenter", "classifier"}
    seg, cls = timings["segmenter"], timings["classifier"]
    assert (seg.inputs, seg.outputs, seg.max_ms, seg.started_ms, seg.finished_ms) == (
        1, 2, 300, 1000, 1300)  # fmt: skip
    assert (cls.inputs, cls.outputs, cls.median_ms, cls.max_ms) == (2, 2, 250, 300)


def stored(seg: Segment, **values: Any) -> SegmentRow:
    defaults = {"section": "old", "topics": [], "entities": [], "headline": "h", "summary": "",
                "key_points": []}  # fmt: skip
    return SegmentRow(segment_id=seg.segment_id, episode_id="ep1", index=seg.index,
                      count=seg.count, kind=seg.kind, start_line=seg.start_line,
                      end_line=seg.end_line, **(defaults | values))  # fmt: skip


def test_changes_name_only_the_stored_values_that_differ() -> None:
    seg = segment()
    story = StorySummarized(episode=EPISODE, segment=seg, summary=Summary(headline="h"),
                            classification=Classification(section="new"))  # fmt: skip
    changes = changes_for(story, [stored(seg)], ("section", "headline"))
    assert [(c.field, c.stored, c.new) for c in changes] == [("section", "old", "new")]
    assert changes_for(story, [], ("section",))[0].field == "row"


def test_segment_changes_show_redrawn_boundaries_and_counts() -> None:
    old = [stored(segment(0, "intro", (1, 4))), stored(segment(1, "story", (5, 9)))]
    new = [segment(0, "intro", (1, 4)), segment(1, "story", (5, 7)), segment(2, "story", (8, 9))]
    changes = segment_changes(new, old)
    assert [(c.segment, c.field) for c in changes] == [
        (None, "segments"), (1, "segment"), (2, "segment")]  # fmt: skip
    assert changes[1].stored == "story lines 5–9" and changes[1].new == "story lines 5–7"


def test_a_letter_requeues_its_payload_or_a_fixed_one_and_refuses_what_cannot_parse() -> None:
    good = SegmentDetected(episode=EPISODE, segment=segment()).model_dump_json()
    body = {"original_stream": SegmentDetected.stream, "original_payload": '{"episode": 1}'}
    letter = entry("newsdesk.dead-letter.v1", "1-0", body)
    with pytest.raises(ValueError, match="not a valid SegmentDetected"):
        requeue_body(letter, None)
    stream, fixed = requeue_body(letter, good)
    assert stream == SegmentDetected.stream and fixed["segment"]["segment_id"] == "s0"
    with pytest.raises(ValueError, match="not JSON"):
        requeue_body(letter, "{oops")


def test_effect_counts_changed_segments_and_deliveries_since_the_start() -> None:
    values = {"kind": "story", "start_line": 1, "end_line": 2, "section": "a", "topics": [],
              "entities": [], "headline": "h", "summary": "", "key_points": []}  # fmt: skip
    before = {"segments": {"s0": values, "s1": values}, "delivered": [10, 20]}
    after = {"segments": {"s0": values, "s1": values | {"section": "b"}}, "delivered": [10, 20, 40]}
    assert effect(before, after, since_ms=30) == {
        "segments_changed": {"s1": ["section"]}, "deliveries_sent": 1}  # fmt: skip


def test_ages_are_compact() -> None:
    assert [ago(0, 5_000), ago(0, 600_000), ago(0, 3 * 3600_000 + 60_000), ago(None)] == [
        "5s", "10m", "3h01m", ""]  # fmt: skip
