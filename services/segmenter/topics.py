"""Stretches of sentences with no spoken transition → story starts from topic shifts and leads."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence

import numpy as np

from services.nlp.embeddings import Vectors
from services.segmenter.cohesion import Scores, depth_scores, gap_similarity, pick_gaps
from services.segmenter.config import SegmenterConfig
from services.segmenter.cues import Marks
from services.segmenter.sentences import Unit

Vectorize = Callable[[Sequence[str]], Vectors]
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z'-]+")


def topic_starts(
    units: Sequence[Unit],
    marks: Sequence[Marks],
    spans: Sequence[tuple[int, int]],
    config: SegmenterConfig,
    vectorize: Vectorize,
    *,
    cued: bool,
) -> set[int]:
    """Story starts inside the given [first, end) stretches where nobody announced one.

    Shows that don't talk their way between stories have every stretch split at its
    relatively deep topic shifts, with block size and spacing scaled to the story length
    the show's style suggests. Chatty shows that do announce stories only have stretches far
    longer than their typical story split, at shifts deeper than an absolute bar: long
    discussions of one story are common there, and topic drift inside them is not a seam."""
    lengths = [b - a for a, b in spans]
    if cued:
        typical = statistics.median(lengths) if lengths else 0.0
        wanted = [(a, b) for a, b in spans if b - a > config.long_stretch_factor * typical]
    else:
        typical = expected_story(marks, config)
        wanted = [(a, b) for a, b in spans if b - a >= 2 * config.min_story_sentences]
    if not wanted:
        return set()
    # Chatty talk is compared in pseudo-sentences of some words (TextTiling's token
    # sequences): single replies ("Yeah.", "Right.") carry no topic.
    pack = config.pseudo_sentence_words if not cued and is_chatty(marks, config) else 0
    rows = [_rows(units, a, b, pack) for a, b in wanted]
    vectors = vectorize(
        [
            text
            for (_, b), firsts in zip(wanted, rows, strict=True)
            for text in _row_texts(units, firsts, b)
        ]
    )
    starts: set[int] = set()
    offset = 0
    for (a, b), firsts in zip(wanted, rows, strict=True):
        stretch = vectors[offset : offset + len(firsts)]
        offset += len(firsts)
        per_row = (b - a) / len(firsts)
        block = int(np.clip(round(typical * config.block_ratio / per_row), 2, config.max_block))
        min_gap = max(round(max(config.min_story_sentences, typical / 3) / per_row), 1)
        scores = _gap_scores(units, marks, firsts, stretch, block, config)
        if cued:
            limit = max(round((b - a) / typical) - 1, 1)
            picked = pick_gaps(scores, threshold=config.strict_depth, min_gap=min_gap, limit=limit)
        else:
            bar = _relative_bar(scores, config.depth_cutoff)
            picked = pick_gaps(scores, threshold=bar, min_gap=min_gap)
        if not pack:
            picked = _refine(picked, units, marks, a, stretch, config)
        starts.update(firsts[row] for row in picked)
    return starts


def _row_texts(units: Sequence[Unit], firsts: Sequence[int], end: int) -> list[str]:
    ends = [*firsts[1:], end]
    return [" ".join(u.text for u in units[a:b]) for a, b in zip(firsts, ends, strict=True)]


def _rows(units: Sequence[Unit], first: int, end: int, words: int) -> list[int]:
    """First sentence of each row compared: every sentence, or packs of at least `words`."""
    if words <= 0:
        return list(range(first, end))
    rows, count = [first], 0
    for i in range(first, end - 1):
        count += len(units[i].text.split())
        if count >= words:
            rows.append(i + 1)
            count = 0
    return rows


def _refine(
    rows: Sequence[int],
    units: Sequence[Unit],
    marks: Sequence[Marks],
    first: int,
    vectors: Vectors,
    config: SegmenterConfig,
) -> list[int]:
    """Move each boundary to the neighbouring gap (±1) where the unsmoothed topic change is
    sharpest and the sentence after it reads most like a lead: smoothing blurs position."""
    if not config.refine:
        return list(rows)
    weights = [min(len(u.text.split()), 25) + 1.0 for u in units[first : first + len(vectors)]]
    sims = gap_similarity(vectors, weights, 2, smooth=False)

    def sharpness(row: int) -> float:
        return config.lead_weight * lead_score(units, marks, first + row, config) - float(
            sims[row - 1]
        )

    return [
        max((r for r in (row - 1, row, row + 1) if 1 <= r < len(vectors)), key=sharpness)
        for row in rows
    ]


def is_chatty(marks: Sequence[Marks], config: SegmenterConfig) -> bool:
    """Hosts talking to each other (I, you, yeah) rather than reading a script."""
    chatty = sum(m.conversational for m in marks) / max(len(marks), 1)
    return chatty >= config.conversational_ratio


def expected_story(marks: Sequence[Marks], config: SegmenterConfig) -> float:
    """Chatty shows run long stories; scripted bulletins short ones."""
    if is_chatty(marks, config):
        return float(config.story_sentences_conversational)
    return float(config.story_sentences_scripted)


def _gap_scores(
    units: Sequence[Unit],
    marks: Sequence[Marks],
    firsts: Sequence[int],
    vectors: Vectors,
    block: int,
    config: SegmenterConfig,
) -> Scores:
    ends = [*firsts[1:], firsts[-1] + 1]
    weights = [
        min(sum(len(u.text.split()) for u in units[a:b]), 25) + 1.0
        for a, b in zip(firsts, ends, strict=True)
    ]
    depth = depth_scores(gap_similarity(vectors, weights, block), reach=2 * block)
    lead = np.array([lead_score(units, marks, i, config) for i in firsts[1:]])
    scores: Scores = depth + config.lead_weight * lead
    return scores


def _relative_bar(scores: Scores, cutoff: float) -> float:
    valleys = scores[scores > 0]
    if len(valleys) == 0:
        return float("inf")
    return float(valleys.mean() + cutoff * valleys.std())


def lead_score(
    units: Sequence[Unit], marks: Sequence[Marks], i: int, config: SegmenterConfig
) -> float:
    """How much sentence i reads like the lead of a new story (about -1 to 3): it opens a
    paragraph or follows a reporter's sign-off, names people or places not named just
    before, and does not open with a pronoun, a quote or a conjunction."""
    score = 1.0 if marks[i - 1].story_end else 0.0
    if units[i].paragraph_start:
        score += config.paragraph_bonus
    if marks[i].continuation:
        score -= 1.0
    names = _names(units[i].text)
    if names:
        recent = units[max(i - config.novelty_window, 0) : i]
        seen = set().union(*(_names(u.text) for u in recent))
        score += min(len(names - seen), 2) / 2
    return score


def _names(text: str) -> set[str]:
    """Capitalised words other than the first: the people, places and companies named."""
    return {m.group(0) for m in _CAPITALISED.finditer(text) if m.start() > 0}
