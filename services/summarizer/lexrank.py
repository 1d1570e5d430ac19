"""Sentences' content words → centrality (continuous LexRank on TF-IDF cosine similarity)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]

_ITERATIONS = 100
_TOLERANCE = 1e-6


def similarity(bags: Sequence[Sequence[str]]) -> Matrix:
    """Cosine similarity of TF-IDF vectors, IDF taken over the story's own sentences."""
    counts = [Counter(bag) for bag in bags]
    document_frequency = Counter(word for count in counts for word in count)
    n = len(bags)
    idf = {w: math.log((1.0 + n) / (1.0 + df)) + 1.0 for w, df in document_frequency.items()}
    norms = np.array(
        [math.sqrt(sum((c * idf[w]) ** 2 for w, c in count.items())) for count in counts]
    )
    # Only words in two sentences or more make two sentences alike; the rest only set the norms.
    shared = {w: i for i, w in enumerate(w for w, df in document_frequency.items() if df > 1)}
    vectors = np.zeros((n, max(len(shared), 1)))
    for row, count in enumerate(counts):
        for word, c in count.items():
            column = shared.get(word)
            if column is not None:
                vectors[row, column] = c * idf[word]
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    vectors *= scale[:, None]
    result: Matrix = vectors @ vectors.T
    return result


def centrality(sim: Matrix, *, threshold: float, damping: float) -> Matrix:
    """Stationary distribution of a random walk over the similarity graph (PageRank-style)."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    graph = np.where(sim >= threshold, sim, 0.0)
    np.fill_diagonal(graph, 0.0)
    degree = graph.sum(axis=1, keepdims=True)
    # A sentence sharing no words with any other jumps anywhere, as in PageRank's dangling nodes.
    transition = np.divide(graph, degree, out=np.full_like(graph, 1.0 / n), where=degree > 0)
    scores: Matrix = np.full(n, 1.0 / n)
    for _ in range(_ITERATIONS):
        updated: Matrix = (1.0 - damping) / n + damping * (transition.T @ scores)
        converged = float(np.abs(updated - scores).sum()) < _TOLERANCE
        scores = updated
        if converged:
            break
    return scores
