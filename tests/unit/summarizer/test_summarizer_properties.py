"""Properties: provenance spans lie inside the story; every output sentence is its spans' words."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import EntityMention, Segment, Summary
from services.cli.summaries import load_gold
from services.summarizer.core import summarize_segment

ROOT = Path(__file__).resolve().parents[3]
GOLDS = sorted((ROOT / "tests" / "fixtures" / "gold").glob("*.gold.json"))
_ALNUM = re.compile(r"[a-z0-9]+")


@cache
def transcripts() -> list[tuple[str, list[str]]]:
    """Each fixture transcript's text (the whole body) and the entity names its gold lists."""
    out = []
    for gold in GOLDS:
        items = load_gold(gold)
        body = "".join(i.segment.text + "\n" for i in items)
        out.append((body, sorted({n for i in items for n in i.entities})))
    return out


@st.composite
def windows(draw: st.DrawFn) -> tuple[Segment, list[EntityMention], str]:
    """Any run of whole lines from a fixture transcript, as a story, with some of its entities."""
    body, names = draw(st.sampled_from(transcripts()))
    starts = [0, *(m.end() for m in re.finditer("\n", body))][:-1]
    first = draw(st.integers(0, len(starts) - 1))
    last = draw(st.integers(first, min(first + 40, len(starts) - 1)))
    end = body.find("\n", starts[last])
    start = starts[first]
    segment = Segment(
        segment_id="w",
        index=0,
        count=1,
        kind=draw(st.sampled_from(["story", "story", "story", "ad", "intro", "outro"])),
        start_line=first + 1,
        end_line=last + 1,
        start_char=start,
        end_char=end,
        text=body[start:end],
    )
    chosen = draw(st.lists(st.sampled_from(names), max_size=6, unique=True)) if names else []
    return segment, [EntityMention(name=n, type="other") for n in chosen], body


def assert_traceable(summary: Summary, segment: Segment, body: str) -> None:
    for trace in summary.provenance:
        assert trace.spans, trace
        for a, b in trace.spans:
            assert segment.start_char <= a < b <= segment.end_char
        said = " ".join(body[a:b] for a, b in trace.spans)
        assert _ALNUM.findall(trace.text.lower()) == _ALNUM.findall(said.lower())


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(windows())
def test_provenance_lies_inside_the_story_and_says_the_same_words(
    case: tuple[Segment, list[EntityMention], str],
) -> None:
    segment, entities, body = case
    summary = summarize_segment(segment, entities=entities)
    if segment.kind == "story":
        assert_traceable(summary, segment, body)
    else:
        label, _, gist = summary.headline.partition(": ")
        assert label in {"Sponsor read", "Intro", "Outro", "Story"} or not gist
        assert all(segment.start_char <= a < b <= segment.end_char
                   for p in summary.provenance for a, b in p.spans)  # fmt: skip


@PROPERTY
@given(windows())
def test_every_summary_sentence_and_key_point_has_its_trace(
    case: tuple[Segment, list[EntityMention], str],
) -> None:
    segment, entities, _ = case
    summary = summarize_segment(segment, entities=entities)
    if not any(ch.isalnum() for ch in segment.text):
        assert (summary.headline, summary.provenance) == (segment.kind.capitalize(), [])
        return
    if segment.kind != "story":
        return
    traced = [p.text for p in summary.provenance]
    assert traced[0] == summary.headline
    sentences = [t for t in traced[1:] if t not in summary.key_points]
    assert " ".join(sentences) == summary.summary
    assert set(summary.key_points) <= set(traced)
    assert len(summary.headline) <= 90 and len(summary.summary) <= 600


SPOKEN = st.sampled_from(
    ["uh", "um", "you know", "like,", "so", "Next up,", "and", "the the", "Acme", "Initech",
     "bought", "sold", "robots", "$5", "billion", "3.5", "on Monday,", "I mean", "said", "it",
     "...", ",", ".", "?", "\n", "They", "a new release from", "One more story about"]
)  # fmt: skip


@PROPERTY
@given(st.lists(SPOKEN, min_size=1, max_size=80))
def test_any_spoken_text_summarizes_traceably(tokens: list[str]) -> None:
    prefix = "Earlier text.\n"
    text = " ".join(tokens).strip() or "."
    body = prefix + text
    segment = Segment(
        segment_id="t",
        index=0,
        count=1,
        kind="story",
        start_line=2,
        end_line=2 + text.count("\n"),
        start_char=len(prefix),
        end_char=len(body),
        text=text,
    )
    summary = summarize_segment(segment, entities=[EntityMention(name="Acme", type="org")])
    assert_traceable(summary, segment, body)
