"""Properties: for any text, segments tile it exactly and their numbers are consistent."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.nlp.taxonomy import Taxonomy
from services.segmenter.config import SegmenterConfig
from services.segmenter.core import segment_transcript
from services.segmenter.sentences import split_units

CUE_LINES = [
    "Hello and welcome to the show.",
    "This episode is brought to you by Acme. Visit acme.com today.",
    "Next up, the floods.",
    "Onto policy and safety.",
    "And one last story for the section.",
    "Reporting from Millbrook, I'm Tom Reyes.",
    "Thanks for listening, see you next week.",
    "The Central Bank held rates at four percent on Thursday.",
    "yeah i think so and moving straight on to projects on open source where we have a model",
    "",
]
lines = st.lists(st.one_of(st.sampled_from(CUE_LINES), st.text(max_size=80)), max_size=40)
texts = st.one_of(st.text(max_size=300), lines.map("\n".join))
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=texts, first_line=st.integers(min_value=1, max_value=50))
def test_segments_tile_any_text(
    config: SegmenterConfig, taxonomy: Taxonomy, text: str, first_line: int
) -> None:
    found = segment_transcript(
        text, episode_id="ep", config=config, first_line=first_line, taxonomy=taxonomy
    )
    if not text:
        assert found == []
        return
    assert found[0].start_char == 0 and found[-1].end_char == len(text)
    assert "".join(s.text for s in found) == text
    last_line = first_line + text.count("\n")
    for i, s in enumerate(found):
        assert (s.index, s.count) == (i, len(found))
        assert s.start_char < s.end_char
        assert first_line <= s.start_line <= s.end_line <= last_line
        if i:
            assert found[i - 1].end_char == s.start_char
            assert found[i - 1].start_line <= s.start_line


@SETTINGS
@given(text=texts)
def test_units_are_ordered_non_blank_slices(config: SegmenterConfig, text: str) -> None:
    units = split_units(
        text,
        abbreviations=config.cues.abbreviations,
        runon_chars=20,
        runon_splits=lambda t: [len(t) // 2],
    )
    for a, b in itertools.pairwise(units):
        assert a.end <= b.start
    for u in units:
        assert u.text == text[u.start : u.end] and u.text.strip() == u.text != ""
        assert "\n" not in u.text
