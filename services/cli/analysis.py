"""The pure cores chained in-process, without Redis: transcript → segments → labels → summaries."""

from __future__ import annotations

from typing import Any

from schemas import EpisodeInfo, Summary
from schemas.ids import episode_id_for_text
from services.classifier.main import build_classifier
from services.runtime.settings import Settings
from services.segmenter.main import build_segmenter
from services.summarizer.core import summarize_segment
from services.transcriber.core import Transcript


def analyze_transcript(transcript: Transcript, settings: Settings, source: str) -> dict[str, Any]:
    """The DESIGN §6 document for one transcript."""
    episode = EpisodeInfo(
        episode_id=episode_id_for_text(transcript.text),
        title=transcript.title,
        podcast=transcript.podcast,
        published=transcript.published,
        source=source,
    )
    segment = build_segmenter(settings)
    classify = build_classifier(settings)
    out = []
    for seg in segment(episode, transcript.text, transcript.first_line, transcript.cues):
        labels = classify(episode, seg) if seg.kind == "story" else None
        entities = labels.entities if labels else []
        summary: Summary = summarize_segment(seg, entities=entities)
        out.append(
            {
                "index": seg.index,
                "kind": seg.kind,
                "start_line": seg.start_line,
                "end_line": seg.end_line,
                "start_char": seg.start_char,
                "end_char": seg.end_char,
                "start_s": seg.start_s,
                "end_s": seg.end_s,
                "section": labels.section if labels else None,
                "topics": [t.model_dump() for t in labels.topics] if labels else [],
                "entities": [
                    {"name": e.name, "type": e.type, "mentions": e.mentions} for e in entities
                ],
                "headline": summary.headline,
                "summary": summary.summary,
                "key_points": list(summary.key_points),
            }
        )
    return {
        "episode": {
            "title": episode.title,
            "podcast": episode.podcast,
            "published": episode.published.isoformat() if episode.published else None,
            "source": source,
        },
        "segments": out,
    }
