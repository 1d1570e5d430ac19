"""Notifier: StorySummarized → an outbox row per matching subscription; the drain loop sends."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from faststream.redis import RedisRouter
from pydantic import ValidationError

from schemas import StorySummarized
from services.notifier.cadence import due_at
from services.notifier.core import Rule, Story, story_from_event, story_payload
from services.notifier.dispatch import Dispatcher
from services.runtime.broker import consume
from services.runtime.group_commit import GroupCommit
from services.runtime.settings import Settings
from services.storage.models import Subscription
from services.storage.outbox import Outbox, Pending, utcnow

STAGE = "notifier"
log = structlog.get_logger("newsdesk.notifier")


@functools.lru_cache(maxsize=1024)
def _rule(filters: str) -> Rule:
    # Every story is checked against every subscription: parse each rule once.
    return Rule.model_validate_json(filters)


def matching(subscriptions: Sequence[Subscription], story: Story) -> list[Subscription]:
    """The subscriptions whose rule the story satisfies; a rule that no longer parses is
    skipped (and logged) rather than failing the story for every other subscription."""
    out = []
    for subscription in subscriptions:
        try:
            rule = _rule(json.dumps(subscription.filters, sort_keys=True))
        except ValidationError as exc:
            log.error("subscription_rule_invalid", subscription=subscription.name, error=str(exc))
            continue
        if rule.matches(story):
            out.append(subscription)
    return out


def build_router(
    settings: Settings,
    outbox: Outbox,
    dispatcher: Dispatcher,
    clock: Callable[[], datetime] = utcnow,
) -> RedisRouter:
    router = RedisRouter()

    async def enqueue(events: Sequence[StorySummarized]) -> None:
        now, subscriptions = clock(), await outbox.active_subscriptions()
        pending = []
        for e in events:
            found = matching(subscriptions, story_from_event(e))
            due = {s.subscription_id: due_at(s.cadence, now, s.digest_time, s.timezone)
                   for s in found}  # fmt: skip
            pending.append(Pending(e.segment.segment_id, due, story_payload(e), e.redeliver))
        await outbox.enqueue_many(pending)

    # Stories handled at once are matched and enqueued in one transaction. An entry is
    # acknowledged once its deliveries are in the outbox; the drain loop, woken, sends them.
    enqueues = GroupCommit(
        enqueue, max_items=settings.sink_concurrency, linger_s=settings.sink_linger_ms / 1000
    )

    @consume(router, StorySummarized, group=STAGE, settings=settings,
             max_workers=settings.sink_concurrency)  # fmt: skip
    async def on_story_summarized(e: StorySummarized) -> None:
        if e.segment.kind != "story":
            return
        await enqueues.submit(e)
        dispatcher.wake()

    return router
