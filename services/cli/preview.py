"""Dry runs: a replayed event → what its stage would emit, next to what the store holds now."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from schemas import (
    Segment,
    SegmentClassified,
    SegmentDetected,
    StorySummarized,
    Summary,
    TranscriptReady,
)
from services.classifier.worker import ClassifyFn
from services.runtime.settings import Settings
from services.segmenter.worker import SegmentFn, TextOf
from services.storage.models import SegmentRow
from services.storage.repository import segment_values
from services.summarizer.worker import SummarizeFn


@dataclass(frozen=True)
class Change:
    """One stored value the replay would replace."""

    segment: int | None
    field: str
    stored: Any
    new: Any


@dataclass(frozen=True)
class Preview:
    """What a stage would emit for one event, and which stored values that would change."""

    emits: str
    changes: list[Change] = field(default_factory=list)


#: Given an event and the stored segments of its episode, what replaying it would do.
Previewer = Callable[[Any, Sequence[SegmentRow]], Awaitable[Preview]]

CLASSIFICATION_FIELDS = ("section", "topics", "entities")
SUMMARY_FIELDS = ("headline", "summary", "key_points")
#: Stands in for the summary while a classification is compared (the store keeps both).
_NO_SUMMARY = Summary(headline="")


def changes_for(
    story: StorySummarized, rows: Sequence[SegmentRow], fields: Sequence[str]
) -> list[Change]:
    """The store's values for this segment against what the story would make them."""
    new = segment_values(story)
    row = next((r for r in rows if r.segment_id == story.segment.segment_id), None)
    index = story.segment.index
    if row is None:
        return [Change(index, "row", None, "new segment row")]
    return [Change(index, f, getattr(row, f), new[f]) for f in fields if getattr(row, f) != new[f]]


def classifier_preview(classify: ClassifyFn) -> Previewer:
    async def preview(e: SegmentDetected, rows: Sequence[SegmentRow]) -> Preview:
        if e.segment.kind != "story":
            return Preview(f"SegmentClassified, unlabelled ({e.segment.kind})")
        labels = await asyncio.to_thread(classify, e.episode, e.segment)
        story = StorySummarized(episode=e.episode, segment=e.segment, classification=labels,
                                summary=_NO_SUMMARY)  # fmt: skip
        return Preview(f"SegmentClassified section={labels.section}",
                       changes_for(story, rows, CLASSIFICATION_FIELDS))  # fmt: skip

    return preview


def summarizer_preview(summarize: SummarizeFn) -> Previewer:
    async def preview(e: SegmentClassified, rows: Sequence[SegmentRow]) -> Preview:
        summary = await summarize(e.segment, e.classification.entities)
        story = StorySummarized(episode=e.episode, segment=e.segment,
                                classification=e.classification, summary=summary)  # fmt: skip
        return Preview(f"StorySummarized: {summary.headline}",
                       changes_for(story, rows, SUMMARY_FIELDS))  # fmt: skip

    return preview


async def store_preview(e: StorySummarized, rows: Sequence[SegmentRow]) -> Preview:
    return Preview("segment row", changes_for(e, rows, CLASSIFICATION_FIELDS + SUMMARY_FIELDS))


def _shape(kind: str, start_line: int, end_line: int) -> str:
    return f"{kind} lines {start_line}–{end_line}"


def segment_changes(new: Sequence[Segment], rows: Sequence[SegmentRow]) -> list[Change]:
    """Boundaries and kinds the segmenter would now draw, against the stored ones."""
    stored = {r.index: _shape(r.kind, r.start_line, r.end_line) for r in rows}
    drawn = {s.index: _shape(s.kind, s.start_line, s.end_line) for s in new}
    changes = [Change(None, "segments", len(rows), len(new))] if len(rows) != len(new) else []
    for index in sorted(stored.keys() | drawn.keys()):
        if stored.get(index) != drawn.get(index):
            changes.append(Change(index, "segment", stored.get(index), drawn.get(index)))
    return changes


def segmenter_preview(segment: SegmentFn, text_of: TextOf) -> Previewer:
    async def preview(e: TranscriptReady, rows: Sequence[SegmentRow]) -> Preview:
        text = await text_of(e)
        new = await asyncio.to_thread(segment, e.episode, text, e.first_line, e.cues)
        return Preview(f"{len(new)} SegmentDetected", segment_changes(new, rows))

    return preview


def build_previewer(stream: str, settings: Settings, client: Redis) -> Previewer | None:
    """The stage that consumes `stream`, run in-process from its composition root; None for
    stages with side effects only a real run should have (fetching, transcribing, sending)."""
    # Imported here: building a stage loads its models, and a stage mid-rewrite must not
    # break the other commands.
    if stream == SegmentDetected.stream:
        from services.classifier.main import build_classifier

        return classifier_preview(build_classifier(settings))
    if stream == SegmentClassified.stream:
        from services.summarizer.main import build_summarizer

        return summarizer_preview(build_summarizer(settings))
    if stream == TranscriptReady.stream:
        from services.runtime.blobs import TranscriptStore
        from services.segmenter.main import build_segmenter

        store = TranscriptStore(client, settings.transcript_inline_max)
        return segmenter_preview(build_segmenter(settings), store.text_of)
    if stream == StorySummarized.stream:
        return store_preview
    return None
