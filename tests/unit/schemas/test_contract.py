"""The event contract: envelopes, tolerance, versions, deterministic ids, checked-in schemas."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import ALL_EVENTS, EpisodeDiscovered, EpisodeInfo, SegmentDetected
from schemas.export import stale_schemas
from schemas.ids import episode_id_for_text, segment_id


def test_checked_in_json_schemas_match_the_classes() -> None:
    assert stale_schemas() == [], "run `newsdesk schemas export` and commit schemas/json/"


def test_every_event_has_its_own_versioned_stream() -> None:
    streams = [e.stream for e in ALL_EVENTS]
    assert len(set(streams)) == len(streams)
    assert all(
        s.startswith("newsdesk.") and s.endswith(f".v{e.version}")
        for s, e in zip(streams, ALL_EVENTS, strict=True)
    )


def test_envelope_type_and_version_come_from_the_class() -> None:
    event = EpisodeDiscovered(episode=EpisodeInfo(episode_id="e"), event_type="Forged")
    assert event.event_type == "EpisodeDiscovered"
    assert event.schema_version == EpisodeDiscovered.version


def test_readers_ignore_unknown_fields_and_events_are_frozen() -> None:
    raw = EpisodeDiscovered(episode=EpisodeInfo(episode_id="e")).model_dump(mode="json")
    raw["added_in_a_later_minor_version"] = 1
    event = EpisodeDiscovered.model_validate_json(json.dumps(raw))
    assert event.episode.episode_id == "e"
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]


def test_caused_events_keep_the_correlation_and_point_at_their_cause() -> None:
    first = EpisodeDiscovered(episode=EpisodeInfo(episode_id="e")).with_replay()
    fields = first.caused("segmenter")
    assert fields == {
        "correlation_id": first.correlation_id,
        "causation_id": first.event_id,
        "producer": "segmenter",
        "replay": True,
        "redeliver": False,
    }


def test_segment_events_require_their_segment() -> None:
    with pytest.raises(ValidationError):
        SegmentDetected.model_validate({"episode": {"episode_id": "e"}})


@given(st.text(), st.text())
def test_episode_ids_depend_only_on_content(a: str, b: str) -> None:
    assert episode_id_for_text(a) == episode_id_for_text(a)
    assert (episode_id_for_text(a) == episode_id_for_text(b)) == (a == b)


@given(st.integers(0, 500), st.integers(0, 10**6), st.integers(0, 10**6))
def test_segment_ids_are_deterministic_and_position_sensitive(i: int, s: int, e: int) -> None:
    assert segment_id("ep", i, s, e) == segment_id("ep", i, s, e)
    assert segment_id("ep", i, s, e) != segment_id("ep", i + 1, s, e)
