"""Alias index: the gazetteer's names as lookup keys → which entries a run of words can name."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from services.classifier.gazetteer import Entry, Gazetteer
from services.classifier.text import key, squash, tokenize

_JOINABLE_GAP = re.compile(r"[ \t\-'’&./]{0,3}")
_UPPER = re.compile(r"[^\W\d_a-z]")
MIN_SQUASHED = 5  # shorter squashed keys ("xai", "aws") would join unrelated short words


class Strength(Enum):
    STRONG = "strong"  # names it wherever it appears
    CASED = "cased"  # names it when written exactly so; needs context in lower-case speech
    WEAK = "weak"  # an everyday word: needs context (or a version number) every time


_ORDER = list(Strength)


@dataclass(frozen=True, slots=True)
class Alias:
    entry: Entry
    strength: Strength
    form: str


class Words:
    """A text's tokens with what every pass asks of them, computed once."""

    def __init__(self, text: str, reach: int = 80) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.lowers = [t.lower for t in self.tokens]
        self.joins = [False] + [
            _JOINABLE_GAP.fullmatch(text, a.end, b.start) is not None
            for a, b in pairwise(self.tokens)
        ]
        self._upper = [m.start() for m in _UPPER.finditer(text)]
        self._reach = reach

    def joinable(self, i: int, n: int) -> bool:
        """Tokens i..i+n-1 form one name only if just spaces or hyphens lie between them."""
        return all(self.joins[i + 1 : i + n])

    def cased(self, start: int, end: int) -> bool:
        """Whether the speech around a span keeps capital letters (ASR runs often do not)."""
        k = bisect_left(self._upper, start - self._reach)
        return k < len(self._upper) and self._upper[k] < end + self._reach


class AliasIndex:
    """Spaced keys ("claude code") and squashed keys ("openai" for "Open AI") of every alias."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._spaced: dict[str, list[Alias]] = defaultdict(list)
        self._squashed: dict[str, list[Alias]] = defaultdict(list)
        for entry in gazetteer.entries:
            for alias in aliases_of(entry):
                self._spaced[key(alias.form)].append(alias)
                if len(squash(alias.form)) >= MIN_SQUASHED:
                    self._squashed[squash(alias.form)].append(alias)
        for group in (*self._spaced.values(), *self._squashed.values()):
            group.sort(key=lambda a: _ORDER.index(a.strength))
        self._first_words = {k.split(" ")[0] for k in self._spaced}
        self._prefixes = {k[:n] for k in self._squashed for n in range(1, len(k) + 1)}
        self._longest = max((k.count(" ") + 1 for k in self._spaced), default=1)

    def get(self, word: str) -> list[Alias]:
        return self._spaced.get(word, [])

    def strong(self) -> dict[str, Entry]:
        """Squashed key → entry for names that are never everyday words (for fuzzy matching)."""
        return {
            squash(a.form): a.entry
            for group in self._spaced.values()
            for a in group
            if a.strength is Strength.STRONG
        }

    def lookup(self, words: Words, i: int) -> tuple[list[Alias], int] | None:
        """The aliases of the longest name starting at token i, strongest first."""
        spaced = self._longest_spaced(words, i)
        squashed = self._longest_squashed(words, i)
        if spaced and (not squashed or spaced[1] >= squashed[1]):
            return spaced
        return squashed

    def _longest_spaced(self, words: Words, i: int) -> tuple[list[Alias], int] | None:
        if words.lowers[i] not in self._first_words:
            return None
        for n in range(min(self._longest, len(words.tokens) - i), 0, -1):
            group = words.joinable(i, n) and self._spaced.get(" ".join(words.lowers[i : i + n]))
            if group:
                return group, n
        return None

    def _longest_squashed(self, words: Words, i: int) -> tuple[list[Alias], int] | None:
        found, joined = None, ""
        for j in range(i, min(i + self._longest, len(words.tokens))):
            if j > i and not words.joins[j]:
                break
            joined += words.lowers[j]
            if joined not in self._prefixes:
                break
            if joined in self._squashed:
                found = self._squashed[joined], j - i + 1
        return found


def aliases_of(entry: Entry) -> Iterator[Alias]:
    """Every alias with its strength; the canonical name is strong unless it is an everyday word."""
    everyday = {key(a) for a in (*entry.capitalised, *entry.sounds_like)}
    if key(entry.name) not in everyday:
        yield Alias(entry, Strength.STRONG, entry.name)
    yield from (Alias(entry, Strength.STRONG, a) for a in entry.aliases)
    yield from (Alias(entry, Strength.CASED, a) for a in entry.capitalised)
    yield from (Alias(entry, Strength.WEAK, a) for a in entry.sounds_like)
