"""Wiring for the classifier: one Classifier per taxonomy, built on first use."""

from __future__ import annotations

from functools import cache

from schemas import Classification, EpisodeInfo, Segment, SegmentDetected
from services.classifier.core import Classifier
from services.classifier.gazetteer import load_gazetteer
from services.classifier.worker import STAGE, ClassifyFn, build_router
from services.nlp.embeddings import shared_embedder
from services.nlp.taxonomy import load_taxonomies
from services.runtime.settings import Settings
from services.runtime.stage import Stage


def build_classifier(settings: Settings) -> ClassifyFn:
    taxonomies = load_taxonomies(settings.taxonomy_file)
    gazetteer = load_gazetteer(settings.entities_file)
    embed = shared_embedder() if settings.embeddings else None

    @cache
    def classifier_for(taxonomy: str | None) -> Classifier:
        return Classifier(taxonomies.get(taxonomy), gazetteer, embed=embed)

    def classify(episode: EpisodeInfo, segment: Segment) -> Classification:
        return classifier_for(episode.taxonomy).classify(
            segment.text, announced_section=segment.announced_section, offset=segment.start_char
        )

    return classify


def build_stage(settings: Settings, redis_url: str) -> Stage:
    return Stage(STAGE, build_router(settings, build_classifier(settings)), (SegmentDetected,))
