"""Fixtures for the segmenter's pure tests: the shipped settings, taxonomy and gold files."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.nlp.taxonomy import Taxonomy, load_taxonomies
from services.segmenter.config import SegmenterConfig, load_profiles
from services.segmenter.cues import CueBook

ROOT = Path(__file__).resolve().parents[3]
GOLD = ROOT / "tests" / "fixtures" / "gold"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomies().get("ai-news")


@pytest.fixture(scope="session")
def config() -> SegmenterConfig:
    """The generic default, without embeddings (word-overlap cohesion keeps tests fast)."""
    return load_profiles().generic.model_copy(update={"use_embeddings": False})


@pytest.fixture(scope="session")
def book(config: SegmenterConfig, taxonomy: Taxonomy) -> CueBook:
    return CueBook(config.cues, head_words=config.head_words, taxonomy=taxonomy)
