"""Value objects carried inside events: episodes, transcripts, segments, labels, summaries."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.envelope import Value

SegmentKind = Literal["story", "ad", "intro", "outro"]


class EpisodeInfo(Value):
    """What every stage needs to know about the episode a segment belongs to."""

    episode_id: str
    title: str = ""
    podcast: str = ""
    published: date | None = None
    source: str = ""
    link: str | None = None
    feed_id: str | None = None
    taxonomy: str | None = None


class TranscriptLink(Value):
    """A publisher transcript listed in a feed (Podcasting 2.0 `podcast:transcript`)."""

    url: str
    type: str = ""
    language: str | None = None
    rel: str | None = None


class Cue(Value):
    """A timed, optionally attributed span of the transcript text."""

    start_char: int
    end_char: int
    start_s: float | None = None
    end_s: float | None = None
    speaker: str | None = None


class TranscriptBlob(Value):
    """A transcript too large to travel inline, stored elsewhere."""

    uri: str
    sha256: str
    size: int


class Segment(Value):
    """One contiguous part of an episode: a story, an ad, the intro or the outro."""

    segment_id: str
    index: int
    count: int
    kind: SegmentKind
    start_line: int
    end_line: int
    start_char: int
    end_char: int
    start_s: float | None = None
    end_s: float | None = None
    text: str
    announced_section: str | None = None


class TopicScore(Value):
    slug: str
    score: float


class EntityMention(Value):
    name: str
    type: Literal["org", "person", "product", "model", "place", "other"]
    mentions: int = 1
    offsets: list[tuple[int, int]] = Field(default_factory=list)


class Classification(Value):
    """Section (None for ads, intro and outro), ranked topics and named entities."""

    section: str | None
    topics: list[TopicScore] = Field(default_factory=list)
    entities: list[EntityMention] = Field(default_factory=list)
    taxonomy: str = "ai-news"


class Provenance(Value):
    """Where in the transcript a summary sentence or key point came from."""

    text: str
    spans: list[tuple[int, int]]


class Summary(Value):
    headline: str
    summary: str = ""
    key_points: list[str] = Field(default_factory=list)
    provenance: list[Provenance] = Field(default_factory=list)
    backend: str = "extractive"
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
