"""Sentence text → cue marks: transitions, section announcements, sponsor reads, intro, outro."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.nlp.taxonomy import Taxonomy
from services.segmenter.config import CueLexicon

_CAPITALISED = re.compile(r"\b[A-Z][\w&'.-]*")
_DOMAIN = re.compile(r"\b([a-z0-9-]{3,})(?:\.|\s+dot\s+)(?:com|io|ai|org|net|co|app|fm)\b", re.I)
_QUOTED = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_NOT_BRANDS = frozenset(
    {"the", "this", "that", "today", "our", "your", "and", "for", "with", "new"}
)


@dataclass(frozen=True, slots=True)
class Marks:
    """What the cue lexicon says about one sentence."""

    story: bool = False
    section: str | None = None
    story_end: bool = False
    ad_start: bool = False
    brands: tuple[str, ...] = ()
    intro: bool = False
    outro: bool = False
    continuation: bool = False
    conversational: bool = False


def _alternation(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns) or r"(?!x)x"


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(_alternation(patterns), re.I)


def _alias_pattern(alias: str) -> str:
    words = ["(?:and|&)" if w in {"and", "&"} else re.escape(w) for w in alias.lower().split()]
    return r"\s+".join(words)


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().replace("&", "and").split())


class CueBook:
    """The lexicon compiled once per configuration (and taxonomy), applied per sentence."""

    def __init__(
        self, lexicon: CueLexicon, *, head_words: int = 14, taxonomy: Taxonomy | None = None
    ) -> None:
        self._head_words = head_words
        self._head = re.compile(rf"(?:\S+\s+){{0,{max(head_words - 1, 0)}}}\S*")
        fillers = _alternation(_alias_pattern(f) for f in lexicon.fillers)
        self._fillers = re.compile(rf"^(?:(?:{fillers})\b[\s,.;:-]*)*", re.I)
        self._story_start = _compile(lexicon.story_start)
        self._story_phrase = _compile(lexicon.story_phrase)
        self._story_end = _compile(lexicon.story_end)
        self._ad_start = [re.compile(p, re.I) for p in lexicon.ad_start]
        self._ad_body = _compile(lexicon.ad_body)
        self._intro = _compile(lexicon.intro)
        self._outro = _compile(lexicon.outro)
        self._continuation = _compile(lexicon.continuation)
        self._conversational = _compile(lexicon.conversational)
        self._sections, self._section_res = self._section_patterns(lexicon, taxonomy)
        runon = [*lexicon.story_phrase, *lexicon.ad_start, *lexicon.outro]
        runon += [r.pattern for r in self._section_res[:1]]
        self._runon = _compile(_NAMED_GROUP.sub("(?:", p) for p in runon)

    @staticmethod
    def _section_patterns(
        lexicon: CueLexicon, taxonomy: Taxonomy | None
    ) -> tuple[dict[str, str], list[re.Pattern[str]]]:
        if taxonomy is None:
            return {}, []
        slugs: dict[str, str] = {}
        for section in taxonomy.sections:
            for alias in [*section.aliases, section.name, section.slug.replace("-", " ")]:
                slugs.setdefault(_normalise(alias), section.slug)
        aliases = _alternation(_alias_pattern(a) for a in sorted(slugs, key=len, reverse=True))
        verbs, suffixes = _alternation(lexicon.section_verb), _alternation(lexicon.section_suffix)
        verb_form = rf"(?:{verbs})\s+(?:[\w'-]+\s+){{0,2}}?(?P<alias>{aliases})\b"
        suffix_form = rf"(?<![\w-])(?P<alias>{aliases})[\s,:.;-]+(?:{suffixes})\b"
        return slugs, [re.compile(verb_form, re.I), re.compile(suffix_form, re.I)]

    def mark(self, text: str, *, opening: bool = True, closing: bool = True) -> Marks:
        """Marks for one sentence; intro cues are only looked for near the start
        (`opening`) and sign-offs near the end (`closing`), where they count."""
        head_match = self._head.match(text)
        head = head_match.group(0) if head_match else text
        stripped = head[self._fillers.match(head).end() :]  # type: ignore[union-attr]
        section = self._section(head)
        brands = self._brands(text)
        return Marks(
            story=section is not None
            or bool(self._story_start.match(stripped) or self._story_phrase.search(head)),
            section=section,
            story_end=bool(self._story_end.search(text)),
            ad_start=brands is not None,
            brands=brands or (),
            intro=opening and bool(self._intro.search(text)),
            outro=closing and bool(self._outro.search(text)),
            continuation=bool(self._continuation.match(text)),
            conversational=bool(self._conversational.search(_QUOTED.sub("", text))),
        )

    def sponsor_line(self, text: str, brands: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
        """Whether a sentence inside a sponsor read still sells (a call to action, a web
        address, the sponsor's name), and the web names it adds to the sponsor's."""
        domains = tuple(m.group(1).lower() for m in _DOMAIN.finditer(text))
        selling = bool(domains) or bool(self._ad_body.search(text)) or _mentions(text, brands)
        return selling, domains

    def _section(self, head: str) -> str | None:
        for pattern in self._section_res:
            match = pattern.search(head)
            if match:
                return self._sections.get(_normalise(match.group("alias")))
        return None

    def _brands(self, text: str) -> tuple[str, ...] | None:
        """The sponsor's name words when the sentence opens a sponsor read, else None."""
        for pattern in self._ad_start:
            match = pattern.search(text)
            if match is None:
                continue
            named = match.groupdict().get("brand")
            source = named if named else text[match.end() :]
            words = _CAPITALISED.findall(source)[:4] or source.split()[:1]
            return tuple(_brand_word(w) for w in words if _brand_word(w) not in _NOT_BRANDS)
        return None

    def runon_splits(self, text: str) -> list[int]:
        """Offsets inside a run-on line where a cue phrase begins: candidate sentence starts.
        A cue among a piece's first few words needs no split: `mark` reads the whole head."""
        cuts: list[int] = []
        for match in self._runon.finditer(text):
            if len(text[cuts[-1] if cuts else 0 : match.start()].split()) >= self._head_words // 2:
                cuts.append(match.start())
        return cuts


def _mentions(text: str, names: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(n)}\b", lowered) for n in names if len(n) >= 3)


def _brand_word(word: str) -> str:
    return re.sub(r"(?:'s|\W)+$", "", word.lower())
