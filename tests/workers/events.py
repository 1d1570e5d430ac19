"""Small, valid events for worker tests."""

from __future__ import annotations

from schemas import (
    Classification,
    EntityMention,
    EpisodeInfo,
    Segment,
    SegmentKind,
    StorySummarized,
    Summary,
)
from schemas.ids import segment_id

EPISODE = EpisodeInfo(episode_id="ep1", title="Episode", podcast="Show", source="test")


def segment(index: int, kind: SegmentKind = "story", count: int = 3) -> Segment:
    start = index * 100
    return Segment(
        segment_id=segment_id(EPISODE.episode_id, index, start, start + 100),
        index=index,
        count=count,
        kind=kind,
        start_line=index * 10 + 1,
        end_line=index * 10 + 10,
        start_char=start,
        end_char=start + 100,
        text=f"Story {index} text about Anthropic.",
    )


def summarized(
    index: int,
    kind: SegmentKind = "story",
    section: str | None = "policy-and-safety",
    entity: str = "Anthropic",
) -> StorySummarized:
    return StorySummarized(
        episode=EPISODE,
        segment=segment(index, kind),
        classification=Classification(
            section=section, entities=[EntityMention(name=entity, type="org", mentions=2)]
        ),
        summary=Summary(headline=f"Headline {index}", summary="Summary."),
    )
