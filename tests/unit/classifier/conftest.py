"""Classifier test fixtures: the seed taxonomy and gazetteer, and a tiny deterministic embedder."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest

from services.classifier.core import Classifier
from services.classifier.gazetteer import Gazetteer, load_gazetteer
from services.classifier.text import tokenize
from services.nlp.embeddings import Vectors
from services.nlp.taxonomy import Taxonomy, load_taxonomies


def hashed_embedder(texts: Sequence[str]) -> Vectors:
    """Bag of hashed words: texts sharing words lie close, as real embeddings would."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for token in tokenize(text.lower()):
            out[row, hashlib.blake2b(token.text.encode(), digest_size=2).digest()[0] % 64] += 1
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: Vectors = (out / np.clip(norms, 1e-9, None)).astype(np.float32)
    return unit


@pytest.fixture(scope="session")
def ai_news() -> Taxonomy:
    return load_taxonomies().get("ai-news")


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def classifier(ai_news: Taxonomy, gazetteer: Gazetteer) -> Classifier:
    """The seed taxonomy and gazetteer, with the hashed embedder (fast, deterministic)."""
    return Classifier(ai_news, gazetteer, embed=hashed_embedder)
