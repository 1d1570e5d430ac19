"""Keyword priors: story text → how strongly each section's keywords occur in it."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from services.classifier.text import key, tokenize
from services.nlp.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class Keyword:
    words: str  # the lookup key: "data center"
    prefix: bool  # "acqui*" matches any word starting so
    weight: float


def parse_keyword(raw: str) -> Keyword:
    """ "acqui*:2" → words "acqui", prefix, weight 2; "open-source" → words "open source"."""
    text, weight = raw, 1.0
    head, sep, tail = raw.rpartition(":")
    if sep and _is_number(tail):
        text, weight = head, float(tail)
    prefix = text.rstrip().endswith("*")
    return Keyword(key(text.rstrip().rstrip("*")), prefix, weight)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Grams:
    """Counts of the text's one-, two- and three-word runs, sorted for prefix lookups."""

    def __init__(self, text: str, longest: int) -> None:
        words = [t.lower for t in tokenize(text)]
        self.counts: Counter[str] = Counter()
        for n in range(1, longest + 1):
            self.counts.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        self._sorted = sorted(self.counts)

    def count(self, keyword: Keyword) -> int:
        if not keyword.prefix:
            return self.counts.get(keyword.words, 0)
        total, i = 0, bisect_left(self._sorted, keyword.words)
        while i < len(self._sorted) and self._sorted[i].startswith(keyword.words):
            # a prefix never runs past its last word: "data center*" skips "data centers of"
            if self._sorted[i].count(" ") == keyword.words.count(" "):
                total += self.counts[self._sorted[i]]
            i += 1
        return total


class KeywordPriors:
    """Per section, log(1 + the weighted count of its keywords), so a few hits matter most."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._sections: list[list[Keyword]] = []
        for section in taxonomy.sections:
            best: dict[tuple[str, bool], Keyword] = {}
            for keyword in map(parse_keyword, section.keywords):
                seen = best.get((keyword.words, keyword.prefix))
                if keyword.words and (seen is None or keyword.weight > seen.weight):
                    best[(keyword.words, keyword.prefix)] = keyword
            self._sections.append(list(best.values()))
        self._longest = max(
            (k.words.count(" ") + 1 for ks in self._sections for k in ks), default=1
        )

    def scores(self, text: str) -> list[float]:
        grams = _Grams(text, self._longest)
        return [
            math.log1p(sum(k.weight * grams.count(k) for k in keywords))
            for keywords in self._sections
        ]
