"""Story text → sentences and clips: pieces of the text kept with their offsets, then rendered."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

Span = tuple[int, int]

_ALNUM = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A sentence ends at . ! ? (not inside "5.5"), before a capital, digit or quote.
_STOP = re.compile(r"(?<=[.!?…])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|prof|st|vs|etc|inc|ltd|co|corp|jr|sr|fig|approx|e\.g|i\.e)|\b[A-Z])\.$",
    re.IGNORECASE,
)
# A line broken off mid-thought ("...", a comma, a dash) continues on a line starting lowercase.
_OPEN_END = re.compile(r"(?:\.\.\.|…|,|-|–|—)\s*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a story: its index and its span in the story text."""

    index: int
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text`: lines, joined where a line was cut mid-sentence, split at stops."""
    spans: list[Span] = []
    for start, end in _lines(text):
        if spans and _continues(text, spans[-1], start):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    pieces = [piece for span in spans for piece in _split_line(text, span)]
    said = [(a, b) for a, b in pieces if _WORD.search(text, a, b)]  # "..." alone says nothing
    return [Sentence(i, a, b) for i, (a, b) in enumerate(said)]


def _lines(text: str) -> Iterator[Span]:
    offset = 0
    for line in text.split("\n"):
        start = offset + len(line) - len(line.lstrip())
        end = offset + len(line.rstrip())
        if end > start:
            yield start, end
        offset += len(line) + 1


def _continues(text: str, previous: Span, start: int) -> bool:
    return bool(_OPEN_END.search(text[previous[0] : previous[1]])) and text[start].islower()


def _split_line(text: str, span: Span) -> Iterator[Span]:
    start, end = span
    cut = start
    for match in _STOP.finditer(text, start, end):
        if _ABBREVIATION.search(text, max(cut, match.start() - 8), match.start()):
            continue
        yield cut, match.end(1)
        cut = match.end()
    if end > cut:
        yield cut, end


def words(text: str) -> list[str]:
    """Lower-cased word tokens ("gpt", "5.5", "don't"), the unit every comparison uses."""
    return [w.lower() for w in _WORD.findall(text)]


def numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


@dataclass(frozen=True)
class Clip:
    """Pieces of `source` kept in order; every edit removes text, none adds any."""

    source: str
    parts: tuple[Span, ...]

    @classmethod
    def of(cls, source: str, start: int, end: int) -> Clip:
        return cls(source, _trimmed(source, [(start, end)]))

    @property
    def plain(self) -> str:
        """The kept pieces joined by single spaces: the string edits are matched against."""
        return " ".join(self.source[a:b] for a, b in self.parts)

    def keep(self, ranges: Iterable[Span]) -> Clip:
        """Only the given ranges of `plain`."""
        kept: list[Span] = []
        for lo, hi in ranges:
            kept.extend(self._source_spans(lo, hi))
        return Clip(self.source, _trimmed(self.source, kept))

    def drop(self, ranges: Iterable[Span]) -> Clip:
        """All of `plain` but the given ranges."""
        keep, cursor = [], 0
        for lo, hi in sorted(ranges):
            if lo > cursor:
                keep.append((cursor, lo))
            cursor = max(cursor, hi)
        keep.append((cursor, len(self.plain)))
        return self.keep(keep)

    def until(self, end: int) -> Clip:
        """The kept pieces up to source offset `end`."""
        return Clip(self.source, tuple((a, min(b, end)) for a, b in self.parts if a < end))

    def spans(self, offset: int = 0) -> list[Span]:
        """Kept pieces as spans shifted by `offset`, merged where only blanks separate them."""
        merged: list[Span] = []
        for a, b in self.parts:
            if merged and not self.source[merged[-1][1] : a].strip():
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        return [(a + offset, b + offset) for a, b in merged]

    def _source_spans(self, lo: int, hi: int) -> Iterator[Span]:
        position = 0
        for a, b in self.parts:
            length = b - a
            start, end = max(lo, position), min(hi, position + length)
            if end > start:
                yield a + start - position, a + end - position
            position += length + 1


def _trimmed(source: str, spans: Sequence[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for a, b in spans:
        piece = source[a:b]
        a, b = a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())
        if b > a and any(ch.isalnum() for ch in source[a:b]):
            out.append((a, b))
        elif b > a and out:
            out.append((a, b))  # punctuation after kept words stays; leading punctuation goes
    return tuple(out)


_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]”’])")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")
_COMMA_STOP = re.compile(r"[,;:]\s*([.!?])")
_INNER_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*(?=\S)")
# Quotes stay at the edges: a sentence may open or close a quotation.
_EDGE_START = re.compile(r"^[\s,;:.!?\-–—…)\]]+")
_EDGE_END = re.compile(r"[\s,;:\-–—(\[]+$")
_LONE_I = re.compile(r"\bi\b(?=(?:'|’|\s|$))")


def render(clip: Clip, *, names: Sequence[str] = (), sentence: bool = True) -> str:
    """Readable text of a clip: tidy spacing and punctuation, names in their own casing."""
    text = _INNER_ELLIPSIS.sub(" ", clip.plain)
    text = _SPACE_BEFORE.sub(r"\1", " ".join(text.split()))
    text = _COMMA_STOP.sub(r"\1", _REPEATED_PUNCT.sub(r"\1", text))
    text = _EDGE_END.sub("", _EDGE_START.sub("", text))
    text = _LONE_I.sub("I", recase(text, names))
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if sentence and text[-1] not in ".!?":
        text = text.rstrip(".…") + "."
    if not sentence:
        text = text.rstrip(".…!")
    return text


def recase(text: str, names: Sequence[str]) -> str:
    """Write each known name as the name list spells it, wherever it occurs in any casing."""
    if not names:
        return text
    pattern, spelling = _casing(tuple(names))
    return pattern.sub(lambda m: spelling.get(_name_key(m.group(0)), m.group(0)), text)


def find_name(text: str, names: Sequence[str]) -> Span | None:
    """Span of the first of `names` found in `text` (case-insensitively, whole words)."""
    if not names:
        return None
    match = _casing(tuple(names))[0].search(text)
    return match.span() if match else None


@lru_cache(maxsize=1024)
def _casing(names: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for all names (longest first) and each name's spelling by its key.

    Among spellings of one name ("xAI", "XAI") the first given wins: the entity list comes
    before casings guessed from the text. A set here would let the hash seed choose.
    """
    given = dict.fromkeys(n.strip() for n in names if n.strip())
    ordered = sorted(given, key=len, reverse=True)  # stable: ties keep the given order
    # "GPT-5.5" is also said "GPT 5.5": a hyphen or a blank in a name matches either.
    bodies = [r"[\s-]+".join(re.escape(p) for p in _NAME_SPLIT.split(n)) for n in ordered]
    pattern = re.compile(rf"(?<![\w])(?:{'|'.join(bodies) or '(?!)'})(?![\w])", re.IGNORECASE)
    return pattern, {_name_key(n): n for n in reversed(ordered)}


_NAME_SPLIT = re.compile(r"[\s-]+")


def _name_key(name: str) -> str:
    return " ".join(_NAME_SPLIT.split(name.strip().lower()))


def names_entity(text: str, entities: Sequence[str], *, threshold: float = 85) -> str | None:
    """The first entity `text` names, allowing for spelling ("DeepSeq" ~ "DeepSeek"), acronyms."""
    tokens = _ALNUM.findall(text.lower())
    for entity in entities:
        wanted = _ALNUM.findall(entity.lower())
        size = len(wanted)
        windows = (" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
        if size and any(fuzz.ratio(" ".join(wanted), w) >= threshold for w in windows):
            return entity
        if size > 1 and _acronym(entity) in tokens:
            return entity
    return None


def _acronym(name: str) -> str:
    """ "AI Security Institute" → "aisi": initials, with all-capital words kept whole."""
    parts = re.findall(r"[A-Za-z0-9]+", name)
    return "".join(p if p.isupper() else p[0] for p in parts).lower()


_CAPITALISED = re.compile(r"(?<![.!?]\s)\b[A-Z][\w'’.-]*[\w](?:\s+[A-Z0-9][\w'’.-]*[\w])*")
_BRAND = re.compile(r"^(?:[A-Z0-9]{2,}|[A-Z]?[a-z]+[A-Z][\w]*)$")


def capitalised_names(text: str) -> list[str]:
    """Names by their casing: capitalised runs not opening the text or a sentence."""
    return [m.group(0) for m in _CAPITALISED.finditer(text) if m.start() > 0 and m.group(0) != "I"]


@dataclass(frozen=True)
class Names:
    """What counts as a name in one story, and how names are spelled."""

    entities: tuple[str, ...] = ()
    tokens: frozenset[str] = frozenset()  # words the story capitalises mid-sentence
    casing: tuple[str, ...] = ()  # entity names and brand-cased words ("OpenAI", "GPT")

    @classmethod
    def of(cls, text: str, entities: Sequence[str], stopwords: frozenset[str]) -> Names:
        found = [t for run in capitalised_names(text) for t in run.split()]
        capitalised, total = Counter(t.lower() for t in found), Counter(words(text))
        # A word is a name when the story mostly capitalises it ("Anthropic", not "Safety").
        tokens = frozenset(
            w for w, n in capitalised.items() if w not in stopwords and 2 * n >= total.get(w, n)
        )
        brands = sorted({t for t in found if _BRAND.match(t)})
        return cls(tuple(entities), tokens, tuple(dict.fromkeys([*entities, *brands])))

    def in_text(self, text: str, tokens: Sequence[str] | None = None) -> bool:
        """Whether `text` names anyone: a known entity, a word the story capitalises, a number."""
        if self.tokens.intersection(words(text) if tokens is None else tokens):
            return True
        return bool(numbers(text) or find_name(text, self.entities) or capitalised_names(text))
