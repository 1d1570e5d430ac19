"""Wiring for the classifier: one Classifier per taxonomy, built on first use."""

from __future__ import annotations

from functools import cache

from schemas import Classification, EpisodeInfo, Segment, SegmentDetected
from services.classifier.core import Classifier
from services.classifier.gazetteer import load_gazetteer
from services.classifier.llm import ChatLabeller
from services.classifier.words import english_words
from services.classifier.worker import STAGE, ClassifyFn, build_router
from services.nlp.embeddings import shared_embedder
from services.nlp.taxonomy import load_taxonomies
from services.runtime.settings import Settings
from services.runtime.stage import Stage


def chat_labeller(settings: Settings) -> ChatLabeller | None:
    """A chat model asked for the section, when one is configured (it abstains on failure)."""
    if not (settings.llm_classify and settings.llm_base_url and settings.llm_model):
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return ChatLabeller(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key,
        timeout_s=settings.llm_timeout_s,
    )


def build_classifier(settings: Settings) -> ClassifyFn:
    taxonomies = load_taxonomies(settings.taxonomy_file)
    gazetteer = load_gazetteer(settings.entities_file)
    # Before the model: what building the word set frees (~30 MB, held while the lists are
    # hashed) is then reused as the model loads instead of adding to the peak; and the first
    # story does not wait for it.
    english_words()
    embed = (
        shared_embedder(low_memory=settings.embeddings_low_memory) if settings.embeddings else None
    )
    labeller = chat_labeller(settings)

    @cache
    def classifier_for(taxonomy: str | None) -> Classifier:
        return Classifier(taxonomies.get(taxonomy), gazetteer, embed=embed, labeller=labeller)

    def classify(episode: EpisodeInfo, segment: Segment) -> Classification:
        return classifier_for(episode.taxonomy).classify(
            segment.text, announced_section=segment.announced_section, offset=segment.start_char
        )

    return classify


def build_stage(settings: Settings, redis_url: str) -> Stage:
    return Stage(STAGE, build_router(settings, build_classifier(settings)), (SegmentDetected,))
