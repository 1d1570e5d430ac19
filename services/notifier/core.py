"""Notifier core: a subscription's rule → whether a story matches; a story → what is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from schemas import StorySummarized
from services.nlp.query import Node, Text, max_edits, parse
from services.nlp.query import matches as query_matches
from services.notifier import slack

PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class Story:
    """What a rule looks at, from a live event or from a stored row alike."""

    story_id: str
    section: str | None
    topics: Mapping[str, float]
    entities: Mapping[str, int]
    headline: str
    summary: str
    text: str
    podcast: str
    feed_id: str | None

    def score(self, slug: str) -> float:
        """How strongly the story is about a section or topic (its own section: at least 1.0
        when the classifier gave no score for it)."""
        if slug in self.topics:
            return self.topics[slug]
        return 1.0 if slug == self.section else 0.0


def story_from_event(e: StorySummarized) -> Story:
    labels = e.classification
    return Story(
        story_id=e.segment.segment_id,
        section=labels.section,
        topics={t.slug: t.score for t in labels.topics},
        entities={m.name: m.mentions for m in labels.entities},
        headline=e.summary.headline,
        summary=e.summary.summary,
        text=e.segment.text,
        podcast=e.episode.podcast,
        feed_id=e.episode.feed_id,
    )


class Rule(BaseModel):
    """A subscription's filter. Kinds of filter combine with AND, values of one kind with OR;
    an empty rule matches every story. `seeds/subscriptions.example.yaml` documents it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sections: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(
        default_factory=list, description='Queries: words, "phrases", prefix*, AND OR NOT ( ).'
    )
    fuzzy: bool = Field(default=False, description="Also match ASR misspellings of words.")
    podcasts: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list, description="Feed ids.")
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    min_mentions: int = Field(default=1, ge=1)

    @field_validator("keywords", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("keywords")
    @classmethod
    def _parsable(cls, value: list[str]) -> list[str]:
        for query in value:
            parse(query)  # raises QuerySyntaxError (a ValueError) with the reason
        return value

    @cached_property
    def queries(self) -> tuple[Node, ...]:
        return tuple(parse(q) for q in self.keywords)

    def matches(self, story: Story) -> bool:
        return (
            self._labels_match(story)
            and self._entities_match(story)
            and self._keywords_match(story)
            and _any_equal(self.podcasts, [story.podcast])
            and (not self.feeds or story.feed_id in self.feeds)
        )

    def _labels_match(self, story: Story) -> bool:
        if self.sections and story.section not in self.sections:
            return False
        if self.topics and not any(story.score(t) > 0 for t in self.topics):
            return False
        if self.min_score is None:
            return True
        wanted = [*self.sections, *self.topics]
        # With no section or topic named, the bar applies to the story's own section.
        best = max((story.score(s) for s in wanted or [story.section or ""]), default=0.0)
        return best >= self.min_score

    def _entities_match(self, story: Story) -> bool:
        if not self.entities:
            return True
        names = [n for n, count in story.entities.items() if count >= self.min_mentions]
        if _any_equal(self.entities, names):
            return True
        return self.fuzzy and any(_close_name(e, names) for e in self.entities)

    def _keywords_match(self, story: Story) -> bool:
        if not self.queries:
            return True
        text = Text(f"{story.headline}\n{story.summary}\n{story.text}")
        return any(query_matches(q, text, fuzzy=self.fuzzy) for q in self.queries)


def _any_equal(wanted: Sequence[str], values: Sequence[str]) -> bool:
    """True when nothing is wanted, or some value equals a wanted one, ignoring case."""
    if not wanted:
        return True
    folded = {v.casefold() for v in values}
    return any(w.casefold() in folded for w in wanted)


def _close_name(wanted: str, names: Sequence[str]) -> bool:
    edits = max_edits(len(wanted))
    if edits == 0:
        return False
    folded = [n.casefold() for n in names]
    hit = process.extractOne(
        wanted.casefold(), folded, scorer=Levenshtein.distance, score_cutoff=edits
    )
    return hit is not None


def time_link(link: str | None, start_s: float | None) -> str | None:
    """A link to the moment the story starts (a Media Fragments `#t=`), when both are known."""
    if not link:
        return None
    return link if start_s is None else f"{link.split('#', 1)[0]}#t={int(start_s)}"


def story_payload(e: StorySummarized) -> dict[str, Any]:
    """The story as every channel renders it; stored with its delivery, so replays are exact."""
    seg, labels, summary = e.segment, e.classification, e.summary
    return {
        "story_id": seg.segment_id,
        "episode": e.episode.model_dump(mode="json"),
        "index": seg.index,
        "headline": summary.headline,
        "summary": summary.summary,
        "key_points": list(summary.key_points),
        "section": labels.section,
        "topics": [t.model_dump() for t in labels.topics],
        "entities": [
            {"name": x.name, "type": x.type, "mentions": x.mentions} for x in labels.entities
        ],
        "start_s": seg.start_s,
        "end_s": seg.end_s,
        "start_line": seg.start_line,
        "end_line": seg.end_line,
        "url": time_link(e.episode.link, seg.start_s),
    }


def webhook_document(
    stories: Sequence[dict[str, Any]], *, subscription: str, digest: bool, now: datetime
) -> dict[str, Any]:
    """The Standard Webhooks payload shape: `type`, `timestamp`, `data`, plus our version."""
    if digest:
        kind, data = "digest.published", {"subscription": subscription, "stories": list(stories)}
    else:
        kind, data = "story.published", {"subscription": subscription, **stories[0]}
    return {"type": kind, "version": PAYLOAD_VERSION, "timestamp": now.isoformat(), "data": data}


def render(
    channel: str,
    stories: Sequence[dict[str, Any]],
    *,
    subscription: str,
    digest: bool,
    now: datetime,
) -> dict[str, Any]:
    """The message one channel receives for a story, or for a digest of several."""
    if channel == "slack":
        if not digest:
            return slack.story_message(stories[0])
        noun = "story" if len(stories) == 1 else "stories"
        return slack.digest_message(stories, f"{subscription}: {len(stories)} {noun}")
    return webhook_document(stories, subscription=subscription, digest=digest, now=now)
