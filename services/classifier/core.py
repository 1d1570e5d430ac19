"""Classifier core: a story's text → its section, ranked topics and named entities."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from schemas import Classification, TopicScore
from services.classifier.announce import Announcements, resolve_section
from services.classifier.entities import EntityMatcher
from services.classifier.gazetteer import Gazetteer
from services.classifier.sections import ScoringConfig, SectionScorer
from services.classifier.words import english_words
from services.nlp.embeddings import Embedder
from services.nlp.taxonomy import Taxonomy

UNKNOWN = "unknown"

# Asks an outside model for a section: (story text, taxonomy) → a slug, or None to abstain.
Labeller = Callable[[str, Taxonomy], str | None]


class ClassifierConfig(BaseModel):
    """Thresholds and weights; the defaults were fitted on labelled AI-news headlines."""

    model_config = ConfigDict(frozen=True)

    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    min_confidence: float = 0.3  # below it the section is "unknown"
    topic_floor: float = 0.1  # topics scoring less are left out
    max_topics: int = 3
    opening_chars: int = 240  # where a story's own section announcement is looked for
    context_chars: int = 300  # how far around a weak entity mention context is looked for


class Classifier:
    """Built once per taxonomy (embeds its examples); `classify` is pure and thread-safe."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        gazetteer: Gazetteer,
        *,
        embed: Embedder | None = None,
        config: ClassifierConfig | None = None,
        labeller: Labeller | None = None,
    ) -> None:
        self._taxonomy = taxonomy
        self._config = config or ClassifierConfig()
        self._scorer = SectionScorer(taxonomy, embed, self._config.scoring)
        self._announcements = Announcements(taxonomy, opening_chars=self._config.opening_chars)
        self._entities = EntityMatcher(
            gazetteer, known_words=english_words(), context_chars=self._config.context_chars
        )
        self._labeller = labeller

    @property
    def taxonomy(self) -> Taxonomy:
        return self._taxonomy

    def classify(
        self, text: str, *, announced_section: str | None = None, offset: int = 0
    ) -> Classification:
        """`offset` is added to entity offsets, so they point into the whole transcript."""
        topics = self.topics(text)
        return Classification(
            section=self._section(text, announced_section, topics),
            topics=topics,
            entities=self._entities.find(text, offset=offset),
            taxonomy=self._taxonomy.name,
        )

    def topics(self, text: str) -> list[TopicScore]:
        """Sections by content alone, most likely first, with calibrated probabilities."""
        if not text.strip():
            return []
        scores = zip(self._taxonomy.slugs, self._scorer.probabilities(text), strict=True)
        ranked = sorted(scores, key=lambda pair: pair[1], reverse=True)
        floor = self._config.topic_floor
        kept = [TopicScore(slug=slug, score=round(p, 4)) for slug, p in ranked if p >= floor]
        return kept[: self._config.max_topics]

    def announced(self, text: str) -> str | None:
        """The section this story's own opening announces, if any."""
        return self._announcements.find(text)

    def canonical(self, name: str) -> list[str]:
        """The canonical names a whole name stands for: "Opus 4.7" → ["Claude Opus 4.7"]."""
        name = name.strip()
        return [
            e.name
            for e in self._entities.find(name)
            if any(start == 0 and end == len(name) for start, end in e.offsets)
        ]

    def _section(self, text: str, announced: str | None, topics: list[TopicScore]) -> str:
        # The story's own opening is the newest announcement: a segmenter carries a section
        # forward from earlier stories, and this one may have started a new one.
        section = self.announced(text) or (
            resolve_section(self._taxonomy, announced) if announced else None
        )
        if section:
            return section
        if self._labeller is not None and text.strip():
            labelled = self._labeller(text, self._taxonomy)
            if labelled in self._taxonomy.slugs:
                return labelled
        if topics and topics[0].score >= self._config.min_confidence:
            return topics[0].slug
        return UNKNOWN
