"""Topic cohesion: word vectors, block similarity, depth and gap picking."""

from __future__ import annotations

import numpy as np

from services.segmenter.cohesion import depth_scores, gap_similarity, lexical_vectors, pick_gaps

FLOODS = [
    "Floodwaters rose along the river overnight.",
    "Residents fled the river floodwaters by boat.",
    "The river flood crested at a record level.",
    "Emergency crews rescued families from the flood.",
]
RATES = [
    "The central bank held interest rates steady.",
    "Bank officials said inflation and rates remain high.",
    "Economists expect the bank to cut rates later.",
    "Markets had priced in the interest rate decision.",
]


def test_lexical_vectors_are_unit_length_and_share_words() -> None:
    vectors = lexical_vectors([*FLOODS, *RATES, "the and of"])
    assert np.allclose(np.linalg.norm(vectors[:-1], axis=1), 1.0)
    assert not vectors[-1].any()  # stop words only
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[4]


def test_the_deepest_gap_is_where_the_topic_changes() -> None:
    vectors = lexical_vectors([*FLOODS, *RATES])
    sims = gap_similarity(vectors, [1.0] * len(vectors), block=3, smooth=False)
    depth = depth_scores(sims, reach=6)
    assert int(np.argmax(depth)) + 1 == len(FLOODS)


def test_pick_gaps_keeps_apart_and_respects_threshold_and_limit() -> None:
    scores = np.array([0.1, 0.9, 0.8, 0.1, 0.1, 0.7, 0.1, 0.1])
    assert pick_gaps(scores, threshold=0.5, min_gap=2) == [2, 6]
    assert pick_gaps(scores, threshold=0.5, min_gap=2, limit=1) == [2]
    assert pick_gaps(scores, threshold=0.95, min_gap=2) == []
