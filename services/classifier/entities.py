"""Entities: story text → canonical organisations, people, products and models, with offsets.

One pass over the words of a story: names from the gazetteer (the longest first, separators
ignored: "Open AI" is OpenAI), a version after a model family ("GPT 5.5" → GPT-5.5), and
fuzzy or sound-alike matches for names speech recognition misspelled ("Anthropik"). Everyday
words that can stand for a name ("cloud" for Claude, "meta" in lower-case speech) are kept
aside and count only when the words around them say so.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Container, Iterator
from dataclasses import dataclass, field

from schemas import EntityMention
from services.classifier.aliases import Alias, AliasIndex, Strength, Words
from services.classifier.fuzzy import FuzzyIndex
from services.classifier.gazetteer import EntityType, Entry, Gazetteer
from services.classifier.names import unlisted_names
from services.classifier.text import Token, tokenize
from services.classifier.versions import VersionPattern

_ATTACHED_VERSION = re.compile(
    r"([^\W\d_]+?)(?=\d)"
)  # "qwen3", "hi3": family and version as one word


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: Entry
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Weak:
    """A mention that stands only if the words around it support it."""

    hit: _Hit
    before: str
    after: str


@dataclass(slots=True)
class _Scan:
    words: Words
    hits: list[_Hit] = field(default_factory=list)
    weak: list[_Weak] = field(default_factory=list)


class EntityMatcher:
    """Built once per gazetteer (a few hundred ms); `find` is pure and thread-safe."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        *,
        known_words: Container[str] = frozenset(),
        context_chars: int = 300,
        unlisted: bool = True,
    ) -> None:
        self._aliases = AliasIndex(gazetteer)
        self._fuzzy = FuzzyIndex(self._aliases.strong(), known_words=known_words)
        self._versions = {e.name: VersionPattern(e) for e in gazetteer.entries if e.versions}
        self._context = {e.name: _words_regex(e.context) for e in gazetteer.entries if e.context}
        self._context_chars = context_chars
        self._known = known_words
        self._unlisted = unlisted

    def find(self, text: str, *, offset: int = 0) -> list[EntityMention]:
        scan = _Scan(Words(text))
        i = 0
        while i < len(scan.words.tokens):
            i = self._step(scan, i)
        scan.hits.extend(self._supported(scan))
        if self._unlisted:
            scan.hits.extend(self._unlisted_hits(scan))
        return _mentions(scan.hits, offset)

    def _unlisted_hits(self, scan: _Scan) -> Iterator[_Hit]:
        starts = [t.start for t in scan.words.tokens]
        claimed = {
            k
            for hit in scan.hits
            for k in range(bisect_left(starts, hit.start), bisect_left(starts, hit.end))
        }
        for name, kind, start, end in unlisted_names(scan.words, claimed, self._known):
            yield _Hit(Entry(name=name, type=kind), name, start, end)

    def _step(self, scan: _Scan, i: int) -> int:
        """Match at token i; return the index of the first token not consumed."""
        found = self._aliases.lookup(scan.words, i)
        if found is None:
            return self._attached(scan, i) or self._fuzzy_step(scan, i)
        group, n = found
        tokens = scan.words.tokens
        start, end = tokens[i].start, tokens[i + n - 1].end
        for alias in group:
            versioned = self._version(alias.entry, scan.words.text, end)
            if versioned is not None:
                scan.hits.append(_Hit(alias.entry, versioned[0], start, versioned[1]))
                return _first_token_from(tokens, versioned[1], i + n)
        self._judge(scan, group, i, n)
        return i + n

    def _judge(self, scan: _Scan, group: list[Alias], i: int, n: int) -> None:
        """Accept the strongest reading of a bare name, keep a weak one aside, or drop it."""
        words = scan.words
        start, end = words.tokens[i].start, words.tokens[i + n - 1].end
        for alias in (a for a in group if a.entry.bare):
            hit = _Hit(alias.entry, alias.entry.name, start, end)
            if alias.strength is Strength.STRONG or (
                alias.strength is Strength.CASED and _as_written(words.text[start:end], alias.form)
            ):
                scan.hits.append(hit)
                return
            if alias.strength is Strength.WEAK or not words.cased(start, end):
                before = words.lowers[i - 1] if i > 0 else ""
                after = words.lowers[i + n] if i + n < len(words.lowers) else ""
                scan.weak.append(_Weak(hit, before, after))
                return

    def _attached(self, scan: _Scan, i: int) -> int | None:
        token = scan.words.tokens[i]
        head = _ATTACHED_VERSION.match(scan.words.lowers[i])
        for alias in self._aliases.get(head.group(1)) if head else []:
            at = token.start + len(head.group(1)) if head else token.start
            versioned = self._version(alias.entry, scan.words.text, at)
            if versioned is not None and versioned[1] >= token.end:
                scan.hits.append(_Hit(alias.entry, versioned[0], token.start, versioned[1]))
                return _first_token_from(scan.words.tokens, versioned[1], i + 1)
        return None

    def _fuzzy_step(self, scan: _Scan, i: int) -> int:
        words = scan.words
        first = words.tokens[i]
        # In cased text a misspelled name still starts with a capital; lower-case words
        # there are just rare words ("autoencorders"), not names.
        cased = words.cased(first.start, first.end)
        if cased and not first.text[0].isupper():
            return i + 1
        for n in (3, 2, 1):
            if i + n > len(words.tokens) or not words.joinable(i, n):
                continue
            tokens = words.tokens[i : i + n]
            if cased and not all(t.text[0].isupper() for t in tokens):
                continue
            entry = self._fuzzy.match(words.lowers[i : i + n])
            if entry is not None and entry.bare:
                scan.hits.append(_Hit(entry, entry.name, first.start, tokens[-1].end))
                return i + n
        return i + 1

    def _version(self, entry: Entry, text: str, at: int) -> tuple[str, int] | None:
        pattern = self._versions.get(entry.name)
        return pattern.parse(text, at) if pattern else None

    def _supported(self, scan: _Scan) -> Iterator[_Hit]:
        """Weak hits whose neighbourhood names the same entity or one of its context words."""
        accepted = list(scan.hits)
        lowered = scan.words.text.lower()
        for weak in scan.weak:
            entry, hit = weak.hit.entry, weak.hit
            if weak.before in _lowered(entry.generic_before) or weak.after in _lowered(
                entry.generic_after
            ):
                continue
            lo = max(0, hit.start - self._context_chars)
            hi = hit.end + self._context_chars
            context = self._context.get(entry.name)
            if any(h.entry.name == entry.name and lo <= h.start <= hi for h in accepted) or (
                context is not None and context.search(lowered, lo, hi) is not None
            ):
                accepted.append(hit)
                yield hit


def _as_written(span: str, form: str) -> bool:
    """Same letters in the same case, separators aside: "U.S." is "U. S." but not "us"."""
    return [t.text for t in tokenize(span)] == [t.text for t in tokenize(form)]


def _lowered(words: list[str]) -> set[str]:
    return {w.lower() for w in words}


def _first_token_from(tokens: list[Token], stop: int, at_least: int) -> int:
    j = at_least
    while j < len(tokens) and tokens[j].start < stop:
        j += 1
    return j


def _words_regex(words: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w.lower()) for w in words), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")(?:s|es)?\b")


def _mentions(hits: list[_Hit], offset: int) -> list[EntityMention]:
    grouped: dict[str, list[_Hit]] = defaultdict(list)
    for hit in sorted(hits, key=lambda h: h.start):
        grouped[hit.name].append(hit)
    ranked = sorted(grouped.values(), key=lambda hs: (-len(hs), hs[0].start))
    return [
        EntityMention(
            name=hs[0].name,
            type=_type_of(hs[0]),
            mentions=len(hs),
            offsets=[(h.start + offset, h.end + offset) for h in hs],
        )
        for hs in ranked
    ]


def _type_of(hit: _Hit) -> EntityType:
    versions = hit.entry.versions
    return versions.type if versions and hit.name != hit.entry.name else hit.entry.type
