"""Timed caption fragments → one sentence per line, each with a Cue of its times and speaker."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import groupby

from schemas.model import Cue

MAX_SENTENCE_CHARS = 400
_WS = re.compile(r"\s+")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9¿¡])")
# Titles and short forms that end in a period but rarely end a sentence before a capital.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "mt", "gen", "gov", "sen", "rep"}
    | {"lt", "col", "capt", "sgt", "fig", "vol", "no", "approx", "dept", "est"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")
_NO_SPACE_BEFORE = re.compile(r"^[,.;:!?%)\]}’”…]")
SPEAKER_LABEL = re.compile(
    r"^(?:[-–—>]+ ?)?(?P<name>[A-Z][\w.'’-]*(?: [A-Z0-9][\w.'’-]*){0,3}) ?: +(?=\S)"
)


@dataclass(frozen=True)
class Fragment:
    """One caption cue, JSON segment or paragraph: text with optional times and speaker."""

    text: str
    start_s: float | None = None
    end_s: float | None = None
    speaker: str | None = None


def assemble(
    fragments: Iterable[Fragment],
    *,
    max_chars: int = MAX_SENTENCE_CHARS,
    by_fragment: bool = False,
) -> tuple[str, tuple[Cue, ...]]:
    """Merge fragments into sentences, one per line; a speaker change always starts a line.

    `by_fragment` keeps each fragment a line of its own: unpunctuated speech-to-text
    utterances have no sentences to find, and their pauses are the best breaks there are.
    """
    lines: list[str] = []
    cues: list[Cue] = []
    offset = 0
    cleaned = [replace(f, text=_WS.sub(" ", f.text).strip()) for f in fragments]
    turns = groupby((f for f in cleaned if f.text), key=id if by_fragment else _speaker)
    for _, turn in turns:
        for line, cue in _turn_sentences(list(turn), max_chars):
            lines.append(line)
            cues.append(
                cue.model_copy(update={"start_char": offset, "end_char": offset + len(line)})
            )
            offset += len(line) + 1
    return "\n".join(lines), tuple(cues)


def _speaker(fragment: Fragment) -> str | None:
    return fragment.speaker


def label_speakers(fragments: Sequence[Fragment]) -> list[Fragment]:
    """Move `Name:` prefixes of unattributed fragments into `speaker`, carried to later ones."""
    labelled = [f for f in fragments if f.speaker is None and SPEAKER_LABEL.match(f.text)]
    if not labels_are_speakers(len(labelled), len(fragments)):
        return list(fragments)
    out: list[Fragment] = []
    current: str | None = None
    for f in fragments:
        m = SPEAKER_LABEL.match(f.text) if f.speaker is None else None
        if m:
            current = m.group("name")
            f = replace(f, text=f.text[m.end() :], speaker=current)
        elif f.speaker is None:
            f = replace(f, speaker=current)
        else:
            current = f.speaker
        out.append(f)
    return out


def labels_are_speakers(labelled: int, total: int) -> bool:
    """A stray "Update: ..." is prose, not a speaker: labels must mark a share of the lines."""
    return labelled > 1 and labelled * 10 >= total


def next_starts(starts: Sequence[float | None]) -> list[float | None]:
    """For each item, the next known start after it: where an item with only a start ends."""
    out: list[float | None] = []
    following: float | None = None
    for start in reversed(starts):
        out.append(following)
        following = start if start is not None else following
    return out[::-1]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text` (whitespace between them excluded)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        space = text.rfind(" ", start, m.start())  # bounded: a scan from 0 made this quadratic
        token = text[space + 1 if space >= 0 else start : m.start() + 1]
        if token.rstrip(".").lower() in _ABBREVIATIONS or _INITIALS.fullmatch(token):
            continue
        end = m.end() - (len(m.group()) - len(m.group().rstrip()))
        spans.append((start, end))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _turn_sentences(turn: list[Fragment], max_chars: int) -> Iterator[tuple[str, Cue]]:
    joined, starts = _join(turn)
    for s, e in _cap_lengths(joined, starts, max_chars):
        cue = Cue(
            start_char=0,
            end_char=0,
            start_s=_time_at(turn, starts, s, at_end=False),
            end_s=_time_at(turn, starts, e, at_end=True),
            speaker=turn[0].speaker,
        )
        yield joined[s:e], cue


def _join(turn: Sequence[Fragment]) -> tuple[str, list[int]]:
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for f in turn:
        sep = "" if not parts or _NO_SPACE_BEFORE.match(f.text) else " "
        starts.append(length + len(sep))
        parts.append(sep + f.text)
        length += len(sep) + len(f.text)
    return "".join(parts), starts


def _cap_lengths(joined: str, starts: list[int], max_chars: int) -> Iterator[tuple[int, int]]:
    """Unpunctuated captions would make one endless sentence: cut those at fragment edges."""
    for s, e in split_sentences(joined):
        while e - s > max_chars:
            cut = starts[bisect.bisect_right(starts, s + max_chars) - 1]
            if cut <= s:
                break
            yield s, cut - 1 if joined[cut - 1] == " " else cut
            s = cut
        yield s, e


def _time_at(
    turn: Sequence[Fragment], starts: list[int], pos: int, *, at_end: bool
) -> float | None:
    """Interpolate a time for a character position inside the fragment that holds it."""
    i = max(bisect.bisect_right(starts, pos - 1 if at_end else pos) - 1, 0)
    f = turn[i]
    if f.start_s is None or f.end_s is None:
        return f.end_s if at_end else f.start_s
    share = min(max(pos - starts[i], 0) / max(len(f.text), 1), 1.0)
    return round(f.start_s + share * (f.end_s - f.start_s), 3)
