"""The event contract: every event that flows between newsdesk's workers."""

from schemas.envelope import Event
from schemas.events import (
    ALL_EVENTS,
    DeadLettered,
    DeliveryAttempted,
    EpisodeDiscovered,
    FeedFailing,
    FeedPollRequested,
    SegmentClassified,
    SegmentDetected,
    StorySummarized,
    TranscriptReady,
)
from schemas.model import (
    Classification,
    Cue,
    EntityMention,
    EpisodeInfo,
    Provenance,
    Segment,
    SegmentKind,
    Summary,
    TopicScore,
    TranscriptBlob,
    TranscriptLink,
)

__all__ = [
    "ALL_EVENTS",
    "Classification",
    "Cue",
    "DeadLettered",
    "DeliveryAttempted",
    "EntityMention",
    "EpisodeDiscovered",
    "EpisodeInfo",
    "Event",
    "FeedFailing",
    "FeedPollRequested",
    "Provenance",
    "Segment",
    "SegmentClassified",
    "SegmentDetected",
    "SegmentKind",
    "StorySummarized",
    "Summary",
    "TopicScore",
    "TranscriptBlob",
    "TranscriptLink",
    "TranscriptReady",
]
