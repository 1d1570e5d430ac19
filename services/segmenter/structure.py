"""Cue marks → the episode's skeleton: sponsor reads, outro, spoken story transitions, sections."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.segmenter.config import SegmenterConfig
from services.segmenter.cues import Marks
from services.segmenter.sentences import Unit

SponsorLine = Callable[[str, Sequence[str]], tuple[bool, tuple[str, ...]]]


def find_ads(
    units: Sequence[Unit], marks: Sequence[Marks], config: SegmenterConfig, selling: SponsorLine
) -> list[tuple[int, int]]:
    """Sponsor reads as [first, end) sentence ranges: from the opening line to the last
    sentence naming the sponsor or calling to action, then to the end of that line."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        if not marks[i].ad_start:
            i += 1
            continue
        end = _ad_end(units, marks, i, config, selling)
        spans.append((i, end))
        i = end
    return spans


def _ad_end(
    units: Sequence[Unit],
    marks: Sequence[Marks],
    first: int,
    config: SegmenterConfig,
    selling: SponsorLine,
) -> int:
    brands = list(marks[first].brands)
    last = first
    j = first + 1
    while j < len(units) and j - first < config.ad_max_sentences and j - last <= config.ad_max_gap:
        mark = marks[j]
        if mark.ad_start or mark.story:
            break
        sells, names = selling(units[j].text, brands)
        if sells:
            last = j
            brands.extend(names)
        j += 1
    end = last + 1
    # A tagline after the last web address ("Fernway. Wake up like you mean it.") shares its line.
    while end < len(units) and not units[end].line_start and not marks[end].story:
        end += 1
    return end


def closing_window(n: int, config: SegmenterConfig) -> int:
    """How many of an episode's last sentences may belong to the outro."""
    return max(config.outro_window, int(config.outro_fraction * n))


def find_outro(marks: Sequence[Marks], config: SegmenterConfig) -> int | None:
    """The first sentence of the closing run of sign-off cues near the end, if any."""
    n = len(marks)
    hits = [i for i in range(max(n - closing_window(n, config), 1), n) if marks[i].outro]
    if not hits:
        return None
    start = hits[-1]
    for hit in reversed(hits[:-1]):
        if start - hit > config.outro_max_gap:
            break
        start = hit
    return start


def intro_end(marks: Sequence[Marks], config: SegmenterConfig) -> int:
    """The sentence after the opening run of greetings and rundown lines (0 when none):
    a run starts within the first `intro_window` sentences and allows one plain sentence
    between cues ("I'm Nadia Okafor." between the greeting and "On the show today")."""
    hits = [i for i, m in enumerate(marks[: config.intro_window]) if m.intro]
    if not hits:
        return 0
    last = hits[0]
    for i in range(last + 1, len(marks)):
        if i - last > 2:
            break
        if marks[i].intro:
            last = i
    return last + 1


def cue_starts(marks: Sequence[Marks], blocked: Callable[[int], bool]) -> list[int]:
    """Sentences that open a story by what the hosts say: a transition, a section
    announcement, or the sentence after a reporter's sign-off."""
    starts = {i for i, m in enumerate(marks) if m.story}
    starts |= {i + 1 for i, m in enumerate(marks[:-1]) if m.story_end}
    return sorted(i for i in starts if i > 0 and not blocked(i))


def merge_boundaries(
    fixed: Sequence[int], cued: Sequence[int], words: Sequence[int], min_words: int
) -> list[int]:
    """All boundaries, ascending. A cue fewer than `min_words` words after the previous
    boundary (or before a fixed one) belongs to the story already under way: hosts stack
    cues ("Onto policy and safety. We begin with ..."). `words[i]` counts the words before
    sentence i."""
    fixed_set = set(fixed)
    merged: list[int] = []
    for b in sorted(fixed_set | set(cued)):
        close = bool(merged) and words[b] - words[merged[-1]] < min_words
        if b in fixed_set:
            if close and merged[-1] not in fixed_set:
                merged.pop()
            merged.append(b)
        elif not close:
            merged.append(b)
    return merged


def sections(
    starts: Sequence[int], ends: Sequence[int], marks: Sequence[Marks], *, carry: bool
) -> list[str | None]:
    """Per story piece: the section announced in its opening sentences, or the one in force."""
    current: str | None = None
    out: list[str | None] = []
    for start, end in zip(starts, ends, strict=True):
        announced = [m.section for m in marks[start : min(end, start + 3)] if m.section]
        if announced:
            current = announced[-1]
            out.append(current)
        else:
            out.append(current if carry else None)
    return out
