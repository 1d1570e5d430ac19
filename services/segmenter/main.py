"""Wiring for the segmenter: per-show profiles, the taxonomy, the embedder."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from schemas import Cue, EpisodeInfo, Segment, TranscriptReady
from services.nlp.embeddings import Embedder, LazyEmbedder
from services.nlp.taxonomy import TaxonomyBook, load_taxonomies
from services.runtime.blobs import TranscriptStore
from services.runtime.settings import Settings
from services.runtime.stage import Stage
from services.segmenter.config import Profiles, load_profiles
from services.segmenter.core import segment_transcript
from services.segmenter.worker import STAGE, SegmentFn, build_router


def build_segmenter(settings: Settings) -> SegmentFn:
    """The segmenting function the worker (and `newsdesk analyze`) calls."""
    profiles: Profiles = load_profiles(settings.profiles_file)
    taxonomies: TaxonomyBook = load_taxonomies(settings.taxonomy_file)
    # Chatty shows are split on cues and word overlap: only scripted ones load the model.
    embed: Embedder | None = (
        LazyEmbedder(low_memory=settings.embeddings_low_memory) if settings.embeddings else None
    )

    def segment(
        episode: EpisodeInfo, text: str, first_line: int, cues: Sequence[Cue]
    ) -> list[Segment]:
        return segment_transcript(
            text,
            episode_id=episode.episode_id,
            config=profiles.for_show(episode.podcast, episode.source),
            first_line=first_line,
            cues=cues,
            embed=embed,
            taxonomy=taxonomies.get(episode.taxonomy),
        )

    return segment


def build_stage(settings: Settings, redis_url: str) -> Stage:
    client = Redis.from_url(redis_url)
    store = TranscriptStore(client, settings.transcript_inline_max)
    router = build_router(settings, build_segmenter(settings), store.text_of)
    return Stage(STAGE, router, (TranscriptReady,), on_stop=[client.aclose])
