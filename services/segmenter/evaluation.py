"""Gold (DESIGN §7) and found segmentations → Pk, WindowDiff, boundary, ad and section scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nltk.metrics.segmentation import pk, windowdiff
from pydantic import BaseModel, ConfigDict, Field

from schemas.model import SegmentKind


class GoldSegment(BaseModel):
    model_config = ConfigDict(frozen=True)

    start_line: int
    kind: SegmentKind
    section: str | None = None
    title: str = ""
    entities: list[str] = Field(default_factory=list)


class Gold(BaseModel):
    """One transcript's hand-made segmentation; each segment runs to the next one's start."""

    model_config = ConfigDict(frozen=True)

    transcript: str
    segments: list[GoldSegment]


def load_gold(path: Path) -> Gold:
    return Gold.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Span:
    """A segment reduced to what scoring compares: where it starts, what it is, its section."""

    start_line: int
    kind: str
    section: str | None = None


@dataclass(frozen=True)
class Scores:
    pk: float
    windowdiff: float
    boundary_precision: float
    boundary_recall: float
    boundary_f1: float
    stories_gold: int
    stories_found: int
    ad_precision: float
    ad_recall: float
    ad_f1: float
    ads_gold: int
    ads_found: int
    intro_found: bool | None
    outro_found: bool | None
    section_accuracy: float | None

    @property
    def story_count_error(self) -> int:
        return self.stories_found - self.stories_gold


def score(
    gold: Sequence[Span],
    found: Sequence[Span],
    *,
    first_line: int,
    last_line: int,
    tolerance: int = 2,
) -> Scores:
    """Compare two segmentations of the lines first_line..last_line (inclusive)."""
    lines = range(first_line, last_line + 1)
    gold_kinds, found_kinds = _line_labels(gold, lines), _line_labels(found, lines)
    gold_cuts, found_cuts = _cuts(gold, first_line), _cuts(found, first_line)
    ref, hyp = _boundary_string(gold_cuts, lines), _boundary_string(found_cuts, lines)
    k = max(2, round(len(ref) / (2 * max(ref.count("1"), 1))))
    matched = _matched(sorted(gold_cuts), sorted(found_cuts), tolerance)
    ad_p, ad_r, ad_f = _prf(
        sum(g == f == "ad" for g, f in zip(gold_kinds, found_kinds, strict=True)),
        found_kinds.count("ad"),
        gold_kinds.count("ad"),
    )
    b_p, b_r, b_f = _prf(matched, len(found_cuts), len(gold_cuts))
    return Scores(
        pk=float(pk(ref, hyp, k=k, boundary="1")),
        windowdiff=float(windowdiff(ref, hyp, k, boundary="1")),
        boundary_precision=b_p,
        boundary_recall=b_r,
        boundary_f1=b_f,
        stories_gold=sum(s.kind == "story" for s in gold),
        stories_found=sum(s.kind == "story" for s in found),
        ad_precision=ad_p,
        ad_recall=ad_r,
        ad_f1=ad_f,
        ads_gold=sum(s.kind == "ad" for s in gold),
        ads_found=_kind_found(gold, found, "ad", last_line),
        intro_found=_kind_present(gold, found, "intro", last_line),
        outro_found=_kind_present(gold, found, "outro", last_line),
        section_accuracy=_section_accuracy(gold, found, last_line),
    )


def _cuts(spans: Sequence[Span], first_line: int) -> set[int]:
    return {s.start_line for s in spans if s.start_line > first_line}


def _boundary_string(cuts: set[int], lines: range) -> str:
    return "".join("1" if line in cuts else "0" for line in lines)


def _line_labels(spans: Sequence[Span], lines: range) -> list[str]:
    ordered = sorted(spans, key=lambda s: s.start_line)
    labels, i, current = [], 0, "story"
    for line in lines:
        while i < len(ordered) and ordered[i].start_line <= line:
            current, i = ordered[i].kind, i + 1
        labels.append(current)
    return labels


def _matched(gold: list[int], found: list[int], tolerance: int) -> int:
    """Boundaries matched one-to-one within `tolerance` lines, nearest first."""
    free = list(found)
    hits = 0
    for g in gold:
        near = [f for f in free if abs(f - g) <= tolerance]
        if near:
            free.remove(min(near, key=lambda f: abs(f - g)))
            hits += 1
    return hits


def _prf(hits: int, found: int, gold: int) -> tuple[float, float, float]:
    precision = hits / found if found else float(gold == 0)
    recall = hits / gold if gold else float(found == 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ranges(spans: Sequence[Span], last_line: int) -> list[tuple[Span, int, int]]:
    ordered = sorted(spans, key=lambda s: s.start_line)
    ends = [s.start_line - 1 for s in ordered[1:]] + [last_line]
    return [(s, s.start_line, max(e, s.start_line)) for s, e in zip(ordered, ends, strict=True)]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _best_match(
    target: tuple[int, int], found: Sequence[tuple[Span, int, int]], kind: str | None = None
) -> tuple[Span | None, int]:
    best: tuple[Span | None, int] = (None, 0)
    for span, a, b in found:
        if kind is None or span.kind == kind:
            shared = _overlap(target, (a, b))
            if shared > best[1]:
                best = (span, shared)
    return best


def _kind_found(gold: Sequence[Span], found: Sequence[Span], kind: str, last_line: int) -> int:
    """Gold segments of `kind` that a found segment of the same kind covers at least half of."""
    found_ranges = _ranges(found, last_line)
    count = 0
    for span, a, b in _ranges(gold, last_line):
        if span.kind == kind:
            _, shared = _best_match((a, b), found_ranges, kind)
            count += shared * 2 >= b - a + 1
    return count


def _kind_present(
    gold: Sequence[Span], found: Sequence[Span], kind: str, last_line: int
) -> bool | None:
    if not any(s.kind == kind for s in gold):
        return None
    return _kind_found(gold, found, kind, last_line) > 0


def _section_accuracy(gold: Sequence[Span], found: Sequence[Span], last_line: int) -> float | None:
    found_ranges = _ranges(found, last_line)
    labelled = [
        (s, a, b) for s, a, b in _ranges(gold, last_line) if s.kind == "story" and s.section
    ]
    if not labelled:
        return None
    right = 0
    for span, a, b in labelled:
        match, _ = _best_match((a, b), found_ranges, "story")
        right += match is not None and match.section == span.section
    return right / len(labelled)
