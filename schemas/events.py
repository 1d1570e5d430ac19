"""The stage events, one stream each; a breaking change is a new version on a new stream."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from schemas.envelope import Event
from schemas.model import (
    Classification,
    Cue,
    EpisodeInfo,
    Segment,
    Summary,
    TranscriptBlob,
    TranscriptLink,
)


class FeedPollRequested(Event):
    """The scheduler asks a fetcher to poll one feed that is due."""

    stream: ClassVar[str] = "newsdesk.feed-poll-requested.v1"

    feed_id: str
    url: str
    due_at: datetime | None = None


class EpisodeDiscovered(Event):
    """A new episode (or text article, or local file) to transcribe."""

    stream: ClassVar[str] = "newsdesk.episode-discovered.v1"

    episode: EpisodeInfo
    audio_url: str | None = None
    audio_type: str | None = None
    transcripts: list[TranscriptLink] = Field(default_factory=list)
    text: str | None = None
    text_format: str | None = None
    chapters_url: str | None = None


class TranscriptReady(Event):
    """An episode's transcript as normalised text, with cue times when the source had them."""

    stream: ClassVar[str] = "newsdesk.transcript-ready.v1"

    episode: EpisodeInfo
    text: str = ""
    blob: TranscriptBlob | None = None
    first_line: int = 1
    cues: list[Cue] = Field(default_factory=list)
    language: str | None = None
    transcript_source: str = ""


class SegmentDetected(Event):
    """One segment of an episode, in order; `segment.count` tells when the episode is whole."""

    stream: ClassVar[str] = "newsdesk.segment-detected.v1"

    episode: EpisodeInfo
    segment: Segment


class SegmentClassified(Event):
    """A segment with its section, topics and entities."""

    stream: ClassVar[str] = "newsdesk.segment-classified.v1"

    episode: EpisodeInfo
    segment: Segment
    classification: Classification


class StorySummarized(Event):
    """A segment ready to store and alert on: labelled, with headline and summary."""

    stream: ClassVar[str] = "newsdesk.story-summarized.v1"

    episode: EpisodeInfo
    segment: Segment
    classification: Classification
    summary: Summary


class FeedFailing(Event):
    """A feed failed N times in a row; alertable."""

    stream: ClassVar[str] = "newsdesk.feed-failing.v1"

    feed_id: str
    url: str
    reason: str
    consecutive_errors: int


class DeliveryAttempted(Event):
    """The notifier tried to deliver one story to one subscription."""

    stream: ClassVar[str] = "newsdesk.delivery-attempted.v1"

    delivery_id: str
    story_id: str
    subscription: str
    channel: str
    ok: bool
    status_code: int | None = None
    error: str | None = None
    attempt: int = 1


class DeadLettered(Event):
    """An event a stage gave up on, with why and the original payload."""

    stream: ClassVar[str] = "newsdesk.dead-letter.v1"

    stage: str
    reason: str
    error_type: str
    delivery_count: int
    original_stream: str
    original_entry_id: str
    original_payload: str


ALL_EVENTS: tuple[type[Event], ...] = (
    FeedPollRequested,
    EpisodeDiscovered,
    TranscriptReady,
    SegmentDetected,
    SegmentClassified,
    StorySummarized,
    FeedFailing,
    DeliveryAttempted,
    DeadLettered,
)
