"""Sentence vectors → topic-shift depth at every gap (TextTiling) → where stories change."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Scores = npt.NDArray[np.float64]

_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOPWORDS = frozenset(
    {
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "and",
        "any",
        "are",
        "aren't",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "can",
        "can't",
        "could",
        "couldn't",
        "did",
        "didn't",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "even",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i'm",
        "into",
        "isn't",
        "it's",
        "its",
        "itself",
        "just",
        "kind",
        "know",
        "let's",
        "like",
        "lot",
        "more",
        "most",
        "much",
        "must",
        "mustn't",
        "myself",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "really",
        "right",
        "said",
        "same",
        "say",
        "says",
        "she",
        "shan't",
        "should",
        "shouldn't",
        "some",
        "something",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "very",
        "was",
        "wasn't",
        "way",
        "well",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "where",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "why",
        "will",
        "with",
        "won't",
        "would",
        "wouldn't",
        "yeah",
        "yes",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
    }
)


def lexical_vectors(texts: Sequence[str], dim: int = 1024) -> Vectors:
    """Hashed bags of content words, L2-normalised: the cheap stand-in for embeddings."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in _WORD.findall(text.lower()):
            if word not in _STOPWORDS:
                out[row, zlib.crc32(_stem(word).encode()) % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    normalised: Vectors = out / np.clip(norms, 1e-9, None)
    return normalised


def _stem(word: str) -> str:
    for suffix in ("'s", "ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def gap_similarity(
    vectors: Vectors, weights: Sequence[float], block: int, *, smooth: bool = True
) -> Scores:
    """Cosine between the `block` sentences before and after each gap (gap g precedes row g)."""
    n = len(vectors)
    if n < 2:
        return np.zeros(0)
    weighted = vectors.astype(np.float64) * np.asarray(weights, dtype=np.float64)[:, None]
    cumulative = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(weighted, axis=0)])
    gaps = np.arange(1, n)
    left = cumulative[gaps] - cumulative[np.maximum(gaps - block, 0)]
    right = cumulative[np.minimum(gaps + block, n)] - cumulative[gaps]
    dots = np.einsum("ij,ij->i", left, right)
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    sims: Scores = dots / np.clip(norms, 1e-12, None)
    return _smooth(sims) if smooth else sims


def _smooth(values: Scores) -> Scores:
    if len(values) < 3:
        return values
    padded = np.concatenate([values[:1], values, values[-1:]])
    smoothed: Scores = (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0
    return smoothed


def depth_scores(sims: Scores, reach: int) -> Scores:
    """How far similarity climbs on each side of a gap before falling (Hearst's depth)."""
    depth = np.zeros(len(sims))
    for g, value in enumerate(sims):
        depth[g] = _climb(sims, g, -1, reach) + _climb(sims, g, 1, reach) - 2 * value
    return depth


def _climb(sims: Scores, g: int, step: int, reach: int) -> float:
    peak = sims[g]
    j = g + step
    while 0 <= j < len(sims) and abs(j - g) <= reach and sims[j] >= peak:
        peak = sims[j]
        j += step
    return float(peak)


def pick_gaps(
    scores: Scores, *, threshold: float, min_gap: int, limit: int | None = None
) -> list[int]:
    """Highest-scoring gaps over the threshold, at least `min_gap` sentences from each other
    and from both ends; returned as row indices that start a new story, ascending."""
    n_rows = len(scores) + 1
    chosen: list[int] = []
    for g in np.argsort(-scores, kind="stable"):
        row = int(g) + 1
        if scores[g] <= threshold or (limit is not None and len(chosen) >= limit):
            break
        if row < min_gap or n_rows - row < min_gap:
            continue
        if all(abs(row - c) >= min_gap for c in chosen):
            chosen.append(row)
    return sorted(chosen)
