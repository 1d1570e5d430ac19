"""Unlisted names: capitalised runs of words the gazetteer does not know → "other" entities.

Written transcripts capitalise names; a run of capitalised words mid-sentence ("Male
Allies UK") or a capitalised word that is no English word ("Clawmark") is most likely a
name. Only cased text is read, and only words no gazetteer match has claimed.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterator

from services.classifier.aliases import Words
from services.classifier.words import is_known

_CONNECTORS = {"of", "the", "for", "de", "&"}
_TITLES = {
    "dr", "mr", "mrs", "ms", "justice", "judge", "president", "senator", "governor", "mayor",
    "minister", "professor", "prof", "chancellor", "secretary", "sir", "dame", "rep", "coach",
    "captain", "general", "inspector", "detective", "officer", "ceo",
}  # fmt: skip
_MAX_WORDS = 4  # longer capitalised runs are titles ("Teen Boys Are Dating ...")
_SENTENCE_ENDS = frozenset('.!?:"“\n')
_ORG_WORDS = {
    "inc", "labs", "lab", "ai", "institute", "capital", "partners", "ventures", "intelligence",
    "research", "university", "agency", "foundation", "group", "systems", "technologies",
    "robotics", "corp", "uk", "council", "commission", "association", "society",
}  # fmt: skip


def unlisted_names(
    words: Words, claimed: Collection[int], known_words: Container[str]
) -> Iterator[tuple[str, str, int, int]]:
    """(name, type, start, end) for each likely name among the unclaimed tokens."""
    i, tokens = 0, words.tokens
    while i < len(tokens):
        j = _run_end(words, i, claimed)
        if j > i:
            run = _trim(words, i, j, known_words)
            if run is not None and _looks_like_name(words, run, known_words):
                start, end = tokens[run[0]].start, tokens[run[1] - 1].end
                yield words.text[start:end], _kind(words, run), start, end
        i = max(j, i + 1)


def _kind(words: Words, run: tuple[int, int]) -> str:
    i, j = run
    if words.lowers[j - 1] in _ORG_WORDS:
        return "org"
    return "person" if i > 0 and words.lowers[i - 1] in _TITLES else "other"


def _capitalised(text: str) -> bool:
    return text[0].isupper()


def _run_end(words: Words, i: int, claimed: Collection[int]) -> int:
    tokens = words.tokens
    if (
        i in claimed
        or not _capitalised(tokens[i].text)
        or not words.cased(tokens[i].start, tokens[i].end)
    ):
        return i
    j = i + 1
    while j < len(tokens) and j not in claimed and words.joins[j]:
        if not (_capitalised(tokens[j].text) or words.lowers[j] in _CONNECTORS):
            break
        j += 1
    return j


def _trim(words: Words, i: int, j: int, known: Container[str]) -> tuple[int, int] | None:
    """Drop a sentence's common first word, titles, connectors and one-letter words at the edges."""
    lowers = words.lowers
    if _at_sentence_start(words.text, words.tokens[i].start) and is_known(lowers[i], known):
        i += 1
    while i < j and (lowers[i] in _CONNECTORS or len(lowers[i]) == 1 or lowers[i] in _TITLES):
        i += 1  # "Dr. Samuel Adeyemi" is Samuel Adeyemi; "Until the D.C." is nobody
    while j > i and (lowers[j - 1] in _CONNECTORS or len(lowers[j - 1]) == 1):
        j -= 1
    return (i, j) if j > i else None


def _looks_like_name(words: Words, run: tuple[int, int], known: Container[str]) -> bool:
    i, j = run
    texts = [t.text for t in words.tokens[i:j]]
    if sum(t.lower() not in _CONNECTORS for t in texts) > _MAX_WORDS:
        return False
    unknown = [t for t in texts if not is_known(t.lower(), known) and not t.isdigit()]
    if len(texts) == 1:
        word = texts[0].removesuffix("s")
        # a lone acronym ("RLHF", "GPUs") is more often jargon than a name
        return bool(unknown) and len(word) >= 4 and not word.isupper() and word[0].isalpha()
    return bool(unknown) or not _at_sentence_start(words.text, words.tokens[i].start)


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 8) : start].rstrip(" \t")
    return not before or before[-1] in _SENTENCE_ENDS
