"""Section scores: story text → a calibrated probability for each section of a taxonomy.

Two kinds of evidence, added as logits: how close the story's embedding lies to each
section's description and example headlines (the mean of its nearest few), and how
strongly the section's keywords occur. A softmax turns them into probabilities; the two
weights are the calibration, fitted on held-apart labelled headlines.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from services.classifier.keywords import KeywordPriors
from services.classifier.text import windows
from services.nlp.embeddings import Embedder, Vectors
from services.nlp.taxonomy import Taxonomy


class ScoringConfig(BaseModel):
    """Weights of the evidence and how much of a story is embedded."""

    model_config = ConfigDict(frozen=True)

    similarity_weight: float = 22.0
    keyword_weight: float = 1.4
    neighbours: int = 3
    window_words: int = 36
    windows: int = 2


class SectionScorer:
    """Embeds each section's description and examples once; scores any number of stories."""

    def __init__(
        self, taxonomy: Taxonomy, embed: Embedder | None, config: ScoringConfig | None = None
    ) -> None:
        self._config = config or ScoringConfig()
        self._embed = embed
        self._keywords = KeywordPriors(taxonomy)
        texts, owners = [], []
        for index, section in enumerate(taxonomy.sections):
            for text in (section.description or section.name, *section.examples):
                texts.append(text)
                owners.append(index)
        self._owners = np.array(owners)
        self._count = len(taxonomy.sections)
        self._references: Vectors | None = embed(texts) if embed is not None else None

    def probabilities(self, text: str) -> list[float]:
        logits = self._config.keyword_weight * np.array(self._keywords.scores(text))
        if self._embed is not None and self._references is not None:
            logits = logits + self._config.similarity_weight * self._similarities(text)
        exp = np.exp(logits - logits.max())
        return [float(p) for p in exp / exp.sum()]

    def _similarities(self, text: str) -> np.ndarray:
        """Per section, the mean similarity of its `neighbours` closest references."""
        assert self._embed is not None and self._references is not None
        passages = windows(text, words=self._config.window_words, count=self._config.windows)
        if not passages:
            return np.zeros(self._count)
        story = self._embed(passages).mean(axis=0)
        story /= max(float(np.linalg.norm(story)), 1e-9)
        sims = self._references @ story
        k = self._config.neighbours
        return np.array([np.sort(sims[self._owners == i])[-k:].mean() for i in range(self._count)])
