"""Evaluation: gold segments cut from a transcript, section scores, entity recall."""

from __future__ import annotations

import pytest

from services.classifier.evaluation import EntityRecall, gold_segments, section_report

BODY = "intro line\nstory one a\nstory one b\nad line\nstory two"


def test_gold_segments_run_to_the_line_before_the_next() -> None:
    gold = {
        "segments": [
            {"start_line": 8, "kind": "intro", "section": None},
            {"start_line": 9, "kind": "story", "section": "s1", "entities": ["A"]},
            {"start_line": 11, "kind": "ad"},
            {"start_line": 12, "kind": "story", "section": "s2"},
        ]
    }
    segments = gold_segments(gold, BODY, first_line=8)
    assert [s.text for s in segments] == [
        "intro line",
        "story one a\nstory one b",
        "ad line",
        "story two",
    ]
    assert [(s.start_line, s.end_line) for s in segments] == [(8, 8), (9, 10), (11, 11), (12, 12)]
    assert BODY[segments[1].start_char :].startswith("story one a")
    assert segments[1].entities == ("A",)


def test_section_report() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "unknown")]
    report = section_report(pairs, ["a", "b", "c"])
    assert report.accuracy == pytest.approx(0.5)
    assert report.confusion == {"a": {"a": 1, "b": 1}, "b": {"b": 1}, "c": {"unknown": 1}}
    b = report.per_section["b"]
    assert (b.precision, b.recall, b.support) == (0.5, 1.0, 1)
    assert b.f1 == pytest.approx(2 / 3)
    assert report.per_section["c"].f1 == 0.0


def test_entity_recall_uses_canonical_names() -> None:
    recall = EntityRecall()
    canonical = {"Opus 4.7": ["Claude Opus 4.7"]}
    recall.add(
        ["NVIDIA", "Opus 4.7", "Box"],
        ["Nvidia", "Claude Opus 4.7"],
        lambda name: canonical.get(name, []),
    )
    assert (recall.found, recall.total, recall.missed) == (2, 3, ["Box"])
    assert recall.recall == pytest.approx(2 / 3)
