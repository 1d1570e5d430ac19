"""Planned pieces (first sentence, kind, section) → contiguous schemas.Segment values."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from schemas.ids import segment_id
from schemas.model import Cue, Segment, SegmentKind
from services.segmenter.sentences import Unit


@dataclass(frozen=True, slots=True)
class Piece:
    """A segment as planned: the sentence it starts at, what it is, the section announced."""

    first: int
    kind: SegmentKind
    section: str | None = None


def assemble(
    text: str,
    units: Sequence[Unit],
    pieces: Sequence[Piece],
    *,
    episode_id: str,
    first_line: int,
    cues: Sequence[Cue] = (),
) -> list[Segment]:
    """Segments that tile `text`: each runs from its first sentence to the next one's."""
    starts = [0] + [units[p.first].start for p in pieces[1:]]
    ends = [*starts[1:], len(text)]
    newlines = [m.start() for m in re.finditer("\n", text)]
    timeline = _Timeline(cues)
    count = len(pieces)
    return [
        Segment(
            segment_id=segment_id(episode_id, index, start, end),
            index=index,
            count=count,
            kind=piece.kind,
            start_line=first_line + bisect.bisect_left(newlines, start),
            end_line=first_line + bisect.bisect_left(newlines, _last_char(text, start, end)),
            start_char=start,
            end_char=end,
            start_s=timeline.start(start, end),
            end_s=timeline.end(start, end),
            text=text[start:end],
            announced_section=piece.section,
        )
        for index, (piece, start, end) in enumerate(zip(pieces, starts, ends, strict=True))
    ]


def _last_char(text: str, start: int, end: int) -> int:
    """Offset of the segment's last visible character (trailing line breaks belong to no line)."""
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return max(end - 1, start)


class _Timeline:
    """Times of the cues overlapping a character range."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self._cues = sorted(cues, key=lambda c: c.start_char)
        self._starts = [c.start_char for c in self._cues]

    def _overlapping(self, start: int, end: int) -> list[Cue]:
        lo = max(bisect.bisect_right(self._starts, start) - 1, 0)
        hi = bisect.bisect_left(self._starts, end)
        return [c for c in self._cues[lo:hi] if c.end_char > start and c.start_char < end]

    def start(self, start: int, end: int) -> float | None:
        times = [c.start_s for c in self._overlapping(start, end) if c.start_s is not None]
        return min(times) if times else None

    def end(self, start: int, end: int) -> float | None:
        times = [c.end_s for c in self._overlapping(start, end) if c.end_s is not None]
        return max(times) if times else None
