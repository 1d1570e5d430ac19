"""The skeleton from cue marks: sponsor reads, the outro, stacked cues, sections."""

from __future__ import annotations

from collections.abc import Sequence

from services.segmenter.config import SegmenterConfig
from services.segmenter.cues import Marks
from services.segmenter.sentences import Unit
from services.segmenter.structure import (
    find_ads,
    find_outro,
    intro_end,
    merge_boundaries,
    sections,
)


def _units(texts: Sequence[str], *, same_line: Sequence[int] = ()) -> list[Unit]:
    out, offset = [], 0
    for i, text in enumerate(texts):
        out.append(Unit(offset, offset + len(text), text, i not in same_line))
        offset += len(text) + 1
    return out


def _sells(text: str, brands: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    return ("SELL" in text or any(b in text.lower() for b in brands)), ()


def test_an_ad_runs_to_its_last_selling_line_and_the_rest_of_that_line() -> None:
    texts = ["story", "AD", "plain", "acme rocks", "plain", "SELL now", "tagline", "story"]
    marks = [Marks(ad_start=t == "AD", brands=("acme",)) for t in texts]
    ads = find_ads(_units(texts, same_line=[6]), marks, SegmenterConfig(), _sells)
    assert ads == [(1, 7)]


def test_an_ad_stops_at_a_spoken_transition_or_the_next_ad() -> None:
    texts = ["AD", "SELL", "AD", "SELL", "NEXT", "SELL"]
    marks = [Marks(ad_start=t == "AD", story=t == "NEXT") for t in texts]
    assert find_ads(_units(texts), marks, SegmenterConfig(), _sells) == [(0, 2), (2, 4)]


def test_an_ad_ends_after_too_many_plain_lines() -> None:
    texts = ["AD", "SELL", *["plain"] * 4, "SELL late"]
    marks = [Marks(ad_start=t == "AD") for t in texts]
    config = SegmenterConfig(ad_max_gap=3)
    assert find_ads(_units(texts), marks, config, _sells) == [(0, 2)]


def test_outro_is_the_closing_run_of_sign_offs() -> None:
    flags = [False] * 50 + [True] + [False] * 20 + [True, False, True, True]
    marks = [Marks(outro=f) for f in flags]
    assert find_outro(marks, SegmenterConfig(outro_window=40, outro_max_gap=4)) == 71
    assert find_outro([Marks()] * 30, SegmenterConfig()) is None


def test_intro_runs_through_greetings_and_rundown() -> None:
    flags = [True, True, False, True, True, False, False, True]
    assert intro_end([Marks(intro=f) for f in flags], SegmenterConfig(intro_window=6)) == 5
    assert intro_end([Marks()] * 5, SegmenterConfig()) == 0


def test_stacked_cues_are_one_story() -> None:
    words = list(range(0, 1000, 10))  # ten words a sentence
    # "Onto policy and safety." (cue at 10) then "We begin with ..." one sentence later.
    assert merge_boundaries([0, 40], [10, 11, 30], words, min_words=30) == [0, 10, 30, 40]


def test_a_cue_just_before_a_fixed_boundary_gives_way() -> None:
    words = list(range(0, 1000, 10))
    assert merge_boundaries([0, 20], [5, 19], words, min_words=30) == [0, 5, 20]


def test_sections_hold_until_the_next_announcement() -> None:
    marks = [Marks()] * 10
    marks[2] = Marks(section="tools-and-apps")
    marks[7] = Marks(section="policy-and-safety")
    starts, ends = [0, 2, 5, 7], [2, 5, 7, 10]
    assert sections(starts, ends, marks, carry=True) == [
        None,
        "tools-and-apps",
        "tools-and-apps",
        "policy-and-safety",
    ]
    assert sections(starts, ends, marks, carry=False)[2] is None
