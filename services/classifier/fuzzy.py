"""Misheard names: a word or two of speech → the gazetteer entry it most likely spells."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from typing import Generic, TypeVar

import jellyfish
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from services.classifier.words import is_known

T = TypeVar("T")
_CACHE_LIMIT = 50_000


class FuzzyIndex(Generic[T]):
    """Edit-distance and sound-alike matching against squashed alias keys.

    Only words that are not English words are tried, so "mistrial" never becomes Mistral
    and "silva" never becomes Silver; the misspellings speech recognition makes of names
    ("Anthropik", "DeepSeq", "Gravitron") are rarely real words.
    """

    def __init__(
        self,
        choices: Mapping[str, T],
        *,
        known_words: Container[str] = frozenset(),
        min_length: int = 5,
        cutoff: float = 88.0,
        sound_cutoff: float = 78.0,
        shape_cutoff: float = 0.93,
    ) -> None:
        self._choices = {k: v for k, v in choices.items() if len(k) >= min_length}
        self._keys = list(self._choices)
        self._known = known_words
        self._min_length = min_length
        self._cutoff = cutoff
        self._sound_cutoff = sound_cutoff
        self._shape_cutoff = shape_cutoff
        self._cache: dict[str, T | None] = {}

    def match(self, words: Sequence[str]) -> T | None:
        """The entry these lower-case words spell, or None; at least one must be unknown."""
        query = "".join(words)
        if len(query) < self._min_length or query.isdigit():
            return None
        if all(is_known(w, self._known) or w.isdigit() for w in words):
            return None
        if query not in self._cache:
            if len(self._cache) >= _CACHE_LIMIT:  # a long-running worker meets endless new words
                self._cache.clear()
            self._cache[query] = self._best(query)
        return self._cache[query]

    def _best(self, query: str) -> T | None:
        found = process.extractOne(
            query, self._keys, scorer=fuzz.ratio, score_cutoff=self._sound_cutoff
        )
        if found is None:
            return None
        candidate, score, _ = found
        if abs(len(candidate) - len(query)) > max(2, len(candidate) // 4):
            return None
        if score >= self._cutoff or self._sounds_alike(query, candidate, score):
            return self._choices[candidate]
        return None

    def _sounds_alike(self, query: str, candidate: str, score: float) -> bool:
        same_sound = jellyfish.metaphone(query) == jellyfish.metaphone(candidate) or (
            jellyfish.nysiis(query) == jellyfish.nysiis(candidate)
        )
        shape = JaroWinkler.normalized_similarity(query, candidate)
        return same_sound or (shape >= self._shape_cutoff and score >= 80.0)
