"""What the API returns and the CLI prints as JSON: rows → documented, stable shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from services.notifier.core import time_link
from services.storage.models import (
    Delivery,
    DeliveryAttemptRow,
    Episode,
    Feed,
    SegmentRow,
    Subscription,
)
from services.storage.outbox import as_utc


class EpisodeOut(BaseModel):
    episode_id: str
    title: str
    podcast: str
    published: date | None
    source: str
    link: str | None
    feed_id: str | None
    segment_count: int | None

    @classmethod
    def of(cls, e: Episode) -> EpisodeOut:
        return cls(episode_id=e.episode_id, title=e.title, podcast=e.podcast,
                   published=e.published, source=e.source, link=e.link, feed_id=e.feed_id,
                   segment_count=e.segment_count)  # fmt: skip


class StoryOut(BaseModel):
    """A segment of an episode (kind `story` unless asked otherwise) with its labels."""

    story_id: str
    episode_id: str
    index: int
    kind: str
    section: str | None
    topics: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    headline: str
    summary: str
    key_points: list[str]
    start_line: int
    end_line: int
    start_s: float | None
    end_s: float | None
    url: str | None = Field(description="The episode's link, at the moment the story starts.")
    podcast: str
    episode_title: str
    published: date | None
    stored_at: datetime | None
    text: str | None = Field(default=None, description="The transcript text (single story only).")

    @classmethod
    def of(cls, s: SegmentRow, e: Episode, *, with_text: bool = False) -> StoryOut:
        return cls(
            story_id=s.segment_id, episode_id=s.episode_id, index=s.index, kind=s.kind,
            section=s.section, topics=s.topics, entities=s.entities, headline=s.headline,
            summary=s.summary, key_points=s.key_points, start_line=s.start_line,
            end_line=s.end_line, start_s=s.start_s, end_s=s.end_s,
            url=time_link(e.link, s.start_s), podcast=e.podcast, episode_title=e.title,
            published=e.published, stored_at=as_utc(s.created_at),
            text=s.text if with_text else None,
        )  # fmt: skip


class EpisodeDetail(EpisodeOut):
    segments: list[StoryOut]


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[StoryOut]


class FeedOut(BaseModel):
    feed_id: str
    url: str
    name: str | None
    title: str | None
    status: str
    last_check: datetime | None
    next_check: datetime | None
    consecutive_errors: int
    last_error: str | None

    @classmethod
    def of(cls, f: Feed) -> FeedOut:
        return cls(feed_id=f.feed_id, url=f.url, name=f.name, title=f.title, status=f.status,
                   last_check=as_utc(f.last_check), next_check=as_utc(f.next_check),
                   consecutive_errors=f.consecutive_errors, last_error=f.last_error)  # fmt: skip


def subscription_state(s: Subscription) -> str:
    if s.enabled:
        return "active"
    return "disabled" if s.disabled_reason else "paused"


class SubscriptionOut(BaseModel):
    subscription_id: str
    name: str
    channel: str
    url: str
    rule: dict[str, Any]
    cadence: str
    digest_time: str | None
    timezone: str | None
    state: str = Field(description="active, paused (by you) or disabled (by failures).")
    disabled_reason: str | None
    consecutive_failures: int
    last_delivered_at: datetime | None
    last_error: str | None
    deliveries: dict[str, int] = Field(description="How many deliveries are in each status.")
    secret: str | None = Field(
        default=None, description="Webhook signing secret: returned when created, or if asked."
    )

    @classmethod
    def of(
        cls, s: Subscription, counts: dict[str, int] | None = None, *, with_secret: bool = False
    ) -> SubscriptionOut:
        return cls(
            subscription_id=s.subscription_id, name=s.name, channel=s.channel, url=s.url,
            rule=s.filters, cadence=s.cadence, digest_time=s.digest_time, timezone=s.timezone,
            state=subscription_state(s), disabled_reason=s.disabled_reason,
            consecutive_failures=s.consecutive_failures,
            last_delivered_at=as_utc(s.last_delivered_at), last_error=s.last_error,
            deliveries=counts or {}, secret=s.secret if with_secret else None,
        )  # fmt: skip


class AttemptOut(BaseModel):
    attempted_at: datetime | None
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: float

    @classmethod
    def of(cls, a: DeliveryAttemptRow) -> AttemptOut:
        return cls(attempted_at=as_utc(a.attempted_at), outcome=a.outcome,
                   status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)  # fmt: skip


class DeliveryOut(BaseModel):
    delivery_id: str
    story_id: str
    subscription: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime | None
    headline: str
    log: list[AttemptOut] | None = None

    @classmethod
    def of(
        cls, d: Delivery, s: Subscription, log: list[DeliveryAttemptRow] | None = None
    ) -> DeliveryOut:
        return cls(
            delivery_id=d.delivery_id, story_id=d.story_id, subscription=s.name,
            channel=s.channel, status=d.status, attempts=d.attempts,
            next_attempt_at=as_utc(d.next_attempt_at) if d.status == "pending" else None,
            last_status_code=d.last_status_code, last_error=d.last_error,
            delivered_at=as_utc(d.delivered_at), created_at=as_utc(d.created_at),
            headline=str(d.payload.get("headline") or ""),
            log=None if log is None else [AttemptOut.of(a) for a in log],
        )  # fmt: skip
