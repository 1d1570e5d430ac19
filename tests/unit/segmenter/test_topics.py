"""Story starts where nobody announced one: topic shifts refined to the lead sentence."""

from __future__ import annotations

from services.segmenter.cohesion import lexical_vectors
from services.segmenter.config import SegmenterConfig
from services.segmenter.cues import CueBook
from services.segmenter.sentences import split_units
from services.segmenter.topics import lead_score, topic_starts

STORIES = [
    "Floodwaters rose along the Carrow river overnight. Residents fled the river floodwaters by "
    "boat. The river flood crested at a record level. Emergency crews rescued families from the "
    "flood. Officials said the flood would recede by Friday.",
    "The Central Bank held interest rates steady. Bank officials said inflation and rates remain "
    "high. Economists expect the bank to cut rates later. Markets had priced in the interest rate "
    "decision. Mortgage rates are unlikely to fall soon.",
    "The Hawks won the basketball championship on Sunday. Guard Jamal Whitaker scored thirty "
    "points in the basketball final. Fans celebrated the championship in the streets. The "
    "basketball team will parade on Wednesday. Coach Maria Santos praised the players.",
]


def test_scripted_stretch_splits_at_each_new_story(book: CueBook, config: SegmenterConfig) -> None:
    units = split_units("\n".join(STORIES))
    marks = [book.mark(u.text) for u in units]
    starts = topic_starts(units, marks, [(0, len(units))], config, lexical_vectors, cued=False)
    assert sorted(units[i].text for i in starts) == sorted(
        [
            "The Central Bank held interest rates steady.",
            "The Hawks won the basketball championship on Sunday.",
        ]
    )


def test_chatty_shows_keep_long_stretches_whole_unless_the_shift_is_extreme(
    book: CueBook, config: SegmenterConfig
) -> None:
    units = split_units("\n".join(STORIES))
    marks = [book.mark(u.text) for u in units]
    spans = [(0, 5), (5, 10), (10, 15)]
    assert topic_starts(units, marks, spans, config, lexical_vectors, cued=True) == set()


def test_leads_name_new_things_and_continuations_do_not(
    book: CueBook, config: SegmenterConfig
) -> None:
    units = split_units("The bank held rates.\nThe Hawks beat the Rangers.\nHe scored thirty.")
    marks = [book.mark(u.text) for u in units]
    assert lead_score(units, marks, 1, config) > 0 > lead_score(units, marks, 2, config)
