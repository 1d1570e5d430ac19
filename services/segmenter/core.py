"""Segmenter core: transcript text → story, ad, intro and outro segments that tile it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from schemas.model import Cue, Segment, SegmentKind
from services.nlp.embeddings import Embedder
from services.nlp.taxonomy import Taxonomy
from services.segmenter.assemble import Piece, assemble
from services.segmenter.cohesion import lexical_vectors
from services.segmenter.config import SegmenterConfig
from services.segmenter.cues import CueBook, Marks
from services.segmenter.sentences import Unit, split_units
from services.segmenter.structure import (
    SponsorLine,
    closing_window,
    cue_starts,
    find_ads,
    find_outro,
    intro_end,
    merge_boundaries,
    sections,
)
from services.segmenter.topics import Vectorize, is_chatty, topic_starts


def segment_transcript(
    text: str,
    *,
    episode_id: str,
    config: SegmenterConfig,
    first_line: int = 1,
    cues: Sequence[Cue] = (),
    embed: Embedder | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[Segment]:
    """Split a transcript body into segments; line numbers count from `first_line`."""
    if not text:
        return []
    book = CueBook(config.cues, head_words=config.head_words, taxonomy=taxonomy)
    units = split_units(
        text,
        abbreviations=config.cues.abbreviations,
        runon_chars=config.runon_chars,
        runon_splits=book.runon_splits,
    )
    if not units:
        pieces = [Piece(0, "story")]
    else:
        vectorize: Vectorize = embed if (config.use_embeddings and embed) else lexical_vectors
        n, opening = len(units), 4 * config.intro_window
        closing = n - closing_window(n, config)
        marks = [
            book.mark(u.text, opening=i < opening, closing=i >= closing)
            for i, u in enumerate(units)
        ]
        pieces = plan(units, marks, config, vectorize, book.sponsor_line)
    return assemble(text, units, pieces, episode_id=episode_id, first_line=first_line, cues=cues)


def plan(
    units: Sequence[Unit],
    marks: Sequence[Marks],
    config: SegmenterConfig,
    vectorize: Vectorize,
    selling: SponsorLine,
) -> list[Piece]:
    """Sponsor reads and the outro first, then spoken transitions, then topic shifts."""
    n = len(units)
    ads = find_ads(units, marks, config, selling)
    in_ad = {i for a, b in ads for i in range(a, b)}
    outro = find_outro(marks, config)
    outro = None if outro in in_ad else outro
    special: dict[int, SegmentKind] = {a: "ad" for a, _ in ads}
    fixed = {0, *special, *(b for _, b in ads if b < n)}
    if outro is not None:
        special[outro] = "outro"
        fixed.add(outro)
    cued = cue_starts(marks, lambda i: i in in_ad or (outro is not None and i >= outro))
    talks = len(cued) >= config.min_cue_boundaries and is_chatty(marks, config)
    opening = intro_end(marks, config)
    if 0 < opening < n and not talks and opening not in in_ad:
        fixed.add(opening)  # scripted shows go straight from the rundown to the first story
    words = list(itertools.accumulate((len(u.text.split()) for u in units), initial=0))
    bounds = merge_boundaries(sorted(fixed), cued, words, config.min_story_words)
    spans = [
        (max(a, opening), b)
        for a, b in zip(bounds, [*bounds[1:], n], strict=True)
        if a not in special and b > opening
    ]
    # Embeddings pay off on scripted bulletins; in chatty shows, which run an hour, topic
    # shifts get a cheap word-overlap look: embedding all of that talk would cost seconds.
    vectors = lexical_vectors if is_chatty(marks, config) else vectorize
    found = topic_starts(units, marks, spans, config, vectors, cued=talks)
    return _pieces(sorted({*bounds, *found}), n, special, marks, config)


def _pieces(
    bounds: Sequence[int],
    n: int,
    special: dict[int, SegmentKind],
    marks: Sequence[Marks],
    config: SegmenterConfig,
) -> list[Piece]:
    ends = [*bounds[1:], n]
    kinds = [special.get(b, "story") for b in bounds]
    first_end = ends[0]
    head = marks[: min(first_end, config.intro_window)]
    if kinds[0] == "story" and not marks[0].story and any(m.intro for m in head):
        kinds[0] = "intro"
    story = [i for i, k in enumerate(kinds) if k == "story"]
    labels = sections(
        [bounds[i] for i in story], [ends[i] for i in story], marks, carry=config.carry_section
    )
    section_of = dict(zip(story, labels, strict=True))
    return [
        Piece(b, k, section_of.get(i)) for i, (b, k) in enumerate(zip(bounds, kinds, strict=True))
    ]
