"""Stories for notifier tests, and the subscriptions and waits they use."""

from __future__ import annotations

from typing import Any

from schemas import (
    Classification,
    EntityMention,
    EpisodeInfo,
    Segment,
    SegmentKind,
    StorySummarized,
    Summary,
    TopicScore,
)
from schemas.ids import segment_id
from services.notifier.spec import SubscriptionSpec
from services.storage.subscriptions import SubscriptionRepository
from tests.e2e.notifier.receivers import Receiver

EPISODE = EpisodeInfo(
    episode_id="ep-notifier",
    title="The Daily AI Brief",
    podcast="AI News Hour",
    link="https://podcasts.example/ep/1",
    source="test",
)


def story(
    index: int,
    *,
    section: str | None = "tools-and-apps",
    entities: tuple[str, ...] = (),
    text: str = "",
    kind: SegmentKind = "story",
) -> StorySummarized:
    start = index * 1000
    segment = Segment(
        segment_id=segment_id(EPISODE.episode_id, index, start, start + 999),
        index=index, count=10, kind=kind, start_line=index * 10 + 1, end_line=index * 10 + 9,
        start_char=start, end_char=start + 999, start_s=index * 60.0, end_s=index * 60.0 + 59,
        text=text or f"Story number {index}. " + " ".join(entities),
    )  # fmt: skip
    return StorySummarized(
        episode=EPISODE,
        segment=segment,
        classification=Classification(
            section=section,
            topics=[TopicScore(slug=section, score=0.8)] if section else [],
            entities=[EntityMention(name=n, type="org", mentions=2) for n in entities],
        ),
        summary=Summary(
            headline=f"Headline {index}",
            summary=f"Summary of story {index}.",
            key_points=[f"Point {index}"],
        ),
    )


async def subscribe(repo: SubscriptionRepository, **fields: Any) -> SubscriptionSpec:
    spec = SubscriptionSpec.model_validate(fields)
    await repo.create(spec.row())
    return spec


async def signed_webhook(
    repo: SubscriptionRepository, receiver: Receiver, **fields: Any
) -> SubscriptionSpec:
    """A webhook subscription to `receiver`, which then answers 401 to a signature that does
    not verify with the subscription's secret."""
    spec = await subscribe(repo, channel="webhook", url=receiver.url, **fields)
    receiver.secret = spec.secret
    return spec
