"""Summary scoring: headlines vs gold titles (ROUGE, entities); output vs source (faithfulness)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas.model import Segment, Summary
from services.summarizer.faithful import stem, unsupported
from services.summarizer.text import names_entity

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Rouge:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, overlap: float, candidate: int, reference: int) -> Rouge:
        precision = overlap / candidate if candidate else 0.0
        recall = overlap / reference if reference else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)


def rouge_tokens(text: str) -> list[str]:
    """As the reference ROUGE scorer: lower case, alphanumeric runs, Porter stems of long words."""
    return [stem(t) if len(t) > 3 else t for t in _TOKEN.findall(text.lower())]


def rouge_n(candidate: str, reference: str, n: int) -> Rouge:
    cand, ref = _ngrams(rouge_tokens(candidate), n), _ngrams(rouge_tokens(reference), n)
    overlap = sum((cand & ref).values())
    return Rouge.of(overlap, sum(cand.values()), sum(ref.values()))


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_l(candidate: str, reference: str) -> Rouge:
    cand, ref = rouge_tokens(candidate), rouge_tokens(reference)
    return Rouge.of(_lcs(cand, ref), len(cand), len(ref))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class StoryScore:
    """One segment's headline against its gold title, and what its output claims unsupported."""

    source: str
    start_line: int
    kind: str
    headline: str
    title: str
    rouge1: Rouge
    rouge2: Rouge
    rouge_l: Rouge
    entity: str | None
    gold_entities: int
    unsupported: list[str]

    @property
    def rouge1_recall(self) -> float:
        return self.rouge1.recall


def score_story(
    segment: Segment, summary: Summary, title: str, entities: Sequence[str], source: str = ""
) -> StoryScore:
    # A label we add ("Sponsor read: ", "Intro: ") is ours, not a claim about the source.
    headline = summary.headline
    claimed = headline.split(": ", 1)[-1] if segment.kind != "story" else headline
    output = " ".join([claimed, summary.summary, *summary.key_points])
    return StoryScore(
        source=source,
        start_line=segment.start_line,
        kind=segment.kind,
        headline=headline,
        title=title,
        rouge1=rouge_n(headline, title, 1),
        rouge2=rouge_n(headline, title, 2),
        rouge_l=rouge_l(headline, title),
        entity=names_entity(headline, entities),
        gold_entities=len(entities),
        unsupported=unsupported(output, segment.text),
    )


def summarize_scores(scores: Sequence[StoryScore]) -> dict[str, dict[str, float | int]]:
    """Means over stories (the targets), and faithfulness over every segment."""
    stories = [s for s in scores if s.kind == "story"]
    with_entities = [s for s in stories if s.gold_entities]
    figures: dict[str, float | int] = {
        "stories": len(stories),
        "rouge1_recall": _mean(s.rouge1.recall for s in stories),
        "rouge1_f1": _mean(s.rouge1.f1 for s in stories),
        "rouge2_f1": _mean(s.rouge2.f1 for s in stories),
        "rougeL_f1": _mean(s.rouge_l.f1 for s in stories),
        "names_gold_entity": _mean(float(s.entity is not None) for s in with_entities),
        "unfaithful_stories": sum(1 for s in stories if s.unsupported),
        "headline_max_chars": max((len(s.headline) for s in stories), default=0),
    }
    everything: dict[str, float | int] = {
        "segments": len(scores),
        "unfaithful_segments": sum(1 for s in scores if s.unsupported),
        "unsupported_claims": sum(len(s.unsupported) for s in scores),
    }
    return {"stories": figures, "all_segments": everything}


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
