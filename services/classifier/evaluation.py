"""Classifier evaluation: gold segments and predictions → accuracy, F1 per section, recall."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.classifier.text import squash


@dataclass(frozen=True, slots=True)
class GoldSegment:
    """One gold segment cut out of its transcript: lines start_line..end_line, inclusive."""

    kind: str
    section: str | None
    title: str
    entities: tuple[str, ...]
    start_line: int
    end_line: int
    start_char: int
    text: str


def gold_segments(gold: Mapping[str, Any], text: str, first_line: int) -> list[GoldSegment]:
    """Cut a transcript body (whose first line is file line `first_line`) at the gold starts.

    Each segment runs to the line before the next one; the last to the end of the body.
    """
    lines = text.split("\n")
    last_line = first_line + len(lines) - 1
    starts = [int(s["start_line"]) for s in gold["segments"]]
    out = []
    for raw, start, nxt in zip(gold["segments"], starts, [*starts[1:], last_line + 1], strict=True):
        lo, hi = max(start, first_line) - first_line, min(nxt, last_line + 1) - first_line
        out.append(
            GoldSegment(
                kind=str(raw.get("kind", "story")),
                section=raw.get("section"),
                title=str(raw.get("title", "")),
                entities=tuple(raw.get("entities") or ()),
                start_line=start,
                end_line=nxt - 1,
                start_char=sum(len(line) + 1 for line in lines[:lo]),
                text="\n".join(lines[lo:hi]),
            )
        )
    return out


@dataclass(frozen=True)
class SectionScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class SectionReport:
    accuracy: float
    total: int
    per_section: dict[str, SectionScores]
    confusion: dict[str, dict[str, int]]  # gold → predicted → count


def section_report(pairs: Sequence[tuple[str, str]], labels: Iterable[str]) -> SectionReport:
    """Scores (gold, predicted) pairs; a prediction outside `labels` ("unknown") is wrong."""
    names = list(dict.fromkeys([*labels, *(g for g, _ in pairs), *(p for _, p in pairs)]))
    counts = Counter(pairs)
    confusion = {g: {p: counts[(g, p)] for p in names if counts[(g, p)]} for g in names}
    per_section = {}
    for name in names:
        tp = counts[(name, name)]
        predicted = sum(n for (_, p), n in counts.items() if p == name)
        support = sum(n for (g, _), n in counts.items() if g == name)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if support or predicted:
            per_section[name] = SectionScores(precision, recall, f1, support)
    correct = sum(counts[(g, g)] for g in names)
    return SectionReport(
        accuracy=correct / len(pairs) if pairs else 0.0,
        total=len(pairs),
        per_section=per_section,
        confusion={g: row for g, row in confusion.items() if row},
    )


@dataclass
class EntityRecall:
    found: int = 0
    total: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0

    def add(self, gold: Iterable[str], predicted: Iterable[str], canonical: Canonical) -> None:
        """A gold name is found when a predicted name equals it, or its canonical form.

        `canonical` maps a gold name to the names our gazetteer gives it when the whole
        gold name is one mention ("Opus 4.7" → "Claude Opus 4.7", "DOJ" → the department).
        """
        have = {squash(p) for p in predicted}
        for name in gold:
            self.total += 1
            if squash(name) in have or any(squash(c) in have for c in canonical(name)):
                self.found += 1
            else:
                self.missed.append(name)


Canonical = Callable[[str], Iterable[str]]
