"""Transcript text → sentence units with character offsets, robust to run-on ASR lines."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

# A full stop (or ! ?), closing quotes/brackets, then space before something that is not
# lower case: lower case after a stop is usually an ASR artefact or a number, not a new sentence.
_STOP = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[^\sa-z])")
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]*[\"'\u201d\u2019)\]]*$")


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence (or a piece of a run-on line) at text[start:end]; never crosses a line."""

    start: int
    end: int
    text: str
    line_start: bool
    paragraph_start: bool = False


def split_units(
    text: str,
    *,
    abbreviations: Sequence[str] = (),
    runon_chars: int = 240,
    runon_splits: Callable[[str], list[int]] | None = None,
) -> list[Unit]:
    """Each non-blank line, split at sentence ends; long run-ons also split where a cue begins."""
    abbrev = {a.lower().rstrip(".") for a in abbreviations}
    units: list[Unit] = []
    blank_before = True
    for line_start, line in _lines(text):
        first = True
        if not line.strip():
            blank_before = True
            continue
        for s, e in _sentences(line, abbrev):
            pieces = [s, e]
            if runon_splits is not None and e - s > runon_chars:
                pieces = [s, *(s + i for i in runon_splits(line[s:e]) if 0 < i < e - s), e]
            for a, b in itertools.pairwise(pieces):
                a, b = _trim(line, a, b)
                if a < b:
                    para = first and blank_before and bool(units)
                    units.append(Unit(line_start + a, line_start + b, line[a:b], first, para))
                    first = False
        blank_before = False
    return units


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _sentences(line: str, abbrev: set[str]) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _STOP.finditer(line):
        word = _WORD_BEFORE.search(line, start, match.end())
        token = word.group(1).lower().rstrip(".") if word else ""
        if token in abbrev or (len(token) == 1 and token.isalpha()):
            continue
        yield start, match.end()
        start = match.end()
    yield start, len(line)


def _trim(line: str, a: int, b: int) -> tuple[int, int]:
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    return a, b
