"""Stream entries (FastStream framing, ids) and retention policies, without Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import EpisodeDiscovered, EpisodeInfo, StorySummarized
from services.runtime.entries import (
    DATA_FIELD,
    decode_entry,
    encode_fields,
    entry_before,
    entry_ms,
    short_name,
)
from services.runtime.retention import Retention, parse_duration, parse_retention, retention_for
from services.runtime.settings import Settings


def test_an_encoded_event_decodes_to_the_same_event() -> None:
    event = EpisodeDiscovered(episode=EpisodeInfo(episode_id="ep1"), text="hello")
    fields = asyncio.run(encode_fields(event.model_dump(mode="json"), event.correlation_id))
    entry = decode_entry(EpisodeDiscovered.stream, b"1714380000000-3", fields)
    assert entry.entry_id == "1714380000000-3"
    assert entry.headers["correlation_id"] == event.correlation_id
    assert entry.episode_id == "ep1"
    assert entry.event() == event


def test_entries_that_are_not_json_or_not_framed_still_decode() -> None:
    garbage = decode_entry("s", "1-0", {DATA_FIELD: b"\x00not json"})
    assert garbage.body is None and garbage.raw == b"\x00not json"
    plain = decode_entry("s", "1-0", {b"a": b"1"})
    assert plain.body == {"a": "1"}


def test_an_invalid_body_is_a_clear_error() -> None:
    entry = decode_entry(StorySummarized.stream, "1-0", {DATA_FIELD: json.dumps({}).encode()})
    with pytest.raises(ValueError, match="not a valid StorySummarized"):
        entry.event()


@pytest.mark.parametrize(
    ("stream", "short"),
    [
        ("newsdesk.story-summarized.v1", "story-summarized"),
        ("newsdesk.dead-letter.v12", "dead-letter"),
        ("newsdesk.odd", "odd"),
        ("other", "other"),
    ],
)
def test_short_names(stream: str, short: str) -> None:
    assert short_name(stream) == short


@given(st.integers(0, 2**48), st.integers(0, 2**32))
def test_entry_before_is_the_greatest_smaller_id(ms: int, seq: int) -> None:
    before = entry_before(f"{ms}-{seq}")
    b_ms, b_seq = (int(x) for x in before.split("-"))
    assert (b_ms, b_seq) < (ms, seq) or (ms, seq) == (0, 0)
    if seq > 0:
        assert (b_ms, b_seq) == (ms, seq - 1)
    assert entry_ms(f"{ms}-{seq}") == ms


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("50000", Retention(maxlen=50000)),
        ("maxlen:1000", Retention(maxlen=1000)),
        ("7d", Retention(max_age_s=7 * 86400)),
        ("minid:36h", Retention(max_age_s=36 * 3600)),
        (" MINID:90m ", Retention(max_age_s=5400)),
    ],
)
def test_retention_policies_parse(text: str, policy: Retention) -> None:
    assert parse_retention(text) == policy


@pytest.mark.parametrize("text", ["", "0", "maxlen:7d", "minid:500", "keep:10", "forever"])
def test_bad_retention_policies_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="retention"):
        parse_retention(text)


def test_policies_describe_themselves_and_know_their_horizon() -> None:
    assert Retention(maxlen=100).describe() == "MAXLEN ~100"
    assert Retention(max_age_s=2 * 86400).describe() == "MINID ~2d"
    assert Retention(max_age_s=90).describe() == "MINID ~90s"
    assert Retention(max_age_s=60).oldest_kept_ms(100_000) == 40_000
    assert Retention(maxlen=5).oldest_kept_ms(100_000) is None
    assert parse_duration("2w") == 14 * 86400


def test_streams_take_their_own_policy_by_full_or_short_name_else_the_cap() -> None:
    settings = Settings(
        stream_maxlen=123,
        stream_retention={"dead-letter": "30d", "newsdesk.story-summarized.v1": "maxlen:10"},
    )
    assert retention_for("newsdesk.dead-letter.v1", settings) == Retention(max_age_s=30 * 86400)
    assert retention_for(StorySummarized.stream, settings) == Retention(maxlen=10)
    assert retention_for(EpisodeDiscovered.stream, settings) == Retention(maxlen=123)
