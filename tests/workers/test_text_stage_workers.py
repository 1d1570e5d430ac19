"""Segmenter, classifier and summarizer workers: each turns one event into the next."""

from __future__ import annotations

from collections.abc import Sequence

from schemas import (
    Classification,
    Cue,
    EntityMention,
    EpisodeInfo,
    Segment,
    SegmentClassified,
    SegmentDetected,
    StorySummarized,
    Summary,
    TopicScore,
    TranscriptReady,
)
from services.classifier.worker import build_router as classifier_router
from services.runtime.settings import Settings
from services.segmenter.worker import build_router as segmenter_router
from services.summarizer.worker import build_router as summarizer_router
from tests.workers.broker import in_memory
from tests.workers.events import EPISODE, segment


async def test_segmenter_emits_one_event_per_segment_in_order(settings: Settings) -> None:
    def split(
        episode: EpisodeInfo, text: str, first_line: int, cues: Sequence[Cue]
    ) -> list[Segment]:
        assert (text, first_line) == ("body", 8)
        return [segment(0, "intro"), segment(1), segment(2, "outro")]

    async def text_of(e: TranscriptReady) -> str:
        return e.text

    router = segmenter_router(settings, split, text_of)
    seen: list[SegmentDetected] = []

    @router.subscriber(stream=SegmentDetected.stream)
    async def collect(e: SegmentDetected) -> None:
        seen.append(e)

    async with in_memory(settings, router) as broker:
        cause = TranscriptReady(episode=EPISODE, text="body", first_line=8)
        await broker.publish(cause, stream=TranscriptReady.stream)

    assert [(e.segment.index, e.segment.kind) for e in seen] == [
        (0, "intro"),
        (1, "story"),
        (2, "outro"),
    ]
    assert {e.correlation_id for e in seen} == {cause.correlation_id}


async def test_classifier_labels_stories_and_passes_other_kinds(settings: Settings) -> None:
    calls: list[int] = []

    def classify(episode: EpisodeInfo, seg: Segment) -> Classification:
        calls.append(seg.index)
        return Classification(section="tools-and-apps", topics=[TopicScore(slug="t", score=0.9)])

    router = classifier_router(settings, classify)
    seen: list[SegmentClassified] = []

    @router.subscriber(stream=SegmentClassified.stream)
    async def collect(e: SegmentClassified) -> None:
        seen.append(e)

    async with in_memory(settings, router) as broker:
        for seg in (segment(0, "ad"), segment(1)):
            await broker.publish(
                SegmentDetected(episode=EPISODE, segment=seg), stream=SegmentDetected.stream
            )

    assert calls == [1]  # no work spent on the ad
    assert [(e.segment.kind, e.classification.section) for e in seen] == [
        ("ad", None),
        ("story", "tools-and-apps"),
    ]


async def test_summarizer_attaches_a_summary(settings: Settings) -> None:
    async def summarize(seg: Segment, entities: Sequence[EntityMention]) -> Summary:
        return Summary(headline=f"{entities[0].name} did it", summary=seg.text)

    router = summarizer_router(settings, summarize)
    seen: list[StorySummarized] = []

    @router.subscriber(stream=StorySummarized.stream)
    async def collect(e: StorySummarized) -> None:
        seen.append(e)

    labels = Classification(section="x", entities=[EntityMention(name="Anthropic", type="org")])
    async with in_memory(settings, router) as broker:
        await broker.publish(
            SegmentClassified(episode=EPISODE, segment=segment(1), classification=labels),
            stream=SegmentClassified.stream,
        )
    (story,) = seen
    assert story.summary.headline == "Anthropic did it"
    assert story.classification == labels
