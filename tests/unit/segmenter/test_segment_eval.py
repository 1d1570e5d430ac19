"""Scoring segmentations against gold: Pk, boundaries within tolerance, ads, sections."""

from __future__ import annotations

import pytest

from services.segmenter.evaluation import Span, load_gold, score

from .conftest import GOLD

GOLD_SPANS = [
    Span(1, "intro"),
    Span(5, "ad"),
    Span(10, "story", "business"),
    Span(30, "story", "policy"),
    Span(50, "outro"),
]


def test_identical_segmentations_score_perfectly() -> None:
    s = score(GOLD_SPANS, GOLD_SPANS, first_line=1, last_line=55)
    assert (s.pk, s.windowdiff, s.boundary_f1, s.ad_f1, s.section_accuracy) == (0, 0, 1, 1, 1)
    assert (s.stories_found, s.ads_found, s.intro_found, s.outro_found) == (2, 1, True, True)
    assert s.story_count_error == 0


def test_near_misses_count_within_tolerance_but_cost_pk() -> None:
    found = [
        Span(1, "intro"),
        Span(5, "ad"),
        Span(12, "story", "business"),
        Span(30, "story", "policy"),
        Span(50, "outro"),
    ]
    s = score(GOLD_SPANS, found, first_line=1, last_line=55, tolerance=2)
    assert s.boundary_f1 == 1.0 and s.pk > 0
    assert score(GOLD_SPANS, found, first_line=1, last_line=55, tolerance=1).boundary_recall == 0.75


def test_missing_and_extra_segments() -> None:
    found = [
        Span(1, "story"),
        Span(10, "story", "business"),
        Span(20, "story", "business"),
        Span(30, "story", "safety"),
    ]
    s = score(GOLD_SPANS, found, first_line=1, last_line=55)
    assert s.ads_found == 0 and s.ad_recall == 0 and s.intro_found is False
    assert s.stories_found == 4 and s.story_count_error == 2
    assert s.section_accuracy == 0.5
    assert s.boundary_precision == pytest.approx(2 / 3)


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.gold.json")), ids=lambda p: p.name)
def test_gold_files_are_well_formed(path: object) -> None:
    gold = load_gold(path)  # type: ignore[arg-type]
    starts = [s.start_line for s in gold.segments]
    assert starts == sorted(set(starts))
    assert gold.segments[0].kind == "intro" and gold.segments[-1].kind == "outro"
    assert all(s.title for s in gold.segments)
