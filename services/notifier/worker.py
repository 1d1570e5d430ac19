"""Notifier: StorySummarized → an outbox row per matching subscription; the drain loop sends."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from faststream.redis import RedisRouter
from pydantic import ValidationError

from schemas import StorySummarized
from services.notifier.cadence import due_at
from services.notifier.core import Rule, story_from_event, story_payload
from services.notifier.dispatch import Dispatcher
from services.runtime.broker import consume_batch
from services.runtime.settings import Settings
from services.storage.models import Subscription
from services.storage.outbox import Outbox, Pending, utcnow

STAGE = "notifier"
log = structlog.get_logger("newsdesk.notifier")


def rules(subscriptions: Sequence[Subscription]) -> list[tuple[Subscription, Rule]]:
    """Each subscription with its rule, parsed once for a batch of stories; a rule that no
    longer parses is skipped (and logged) rather than failing the stories for every other
    subscription."""
    out = []
    for subscription in subscriptions:
        try:
            out.append((subscription, Rule.model_validate_json(json.dumps(subscription.filters))))
        except ValidationError as exc:
            log.error("subscription_rule_invalid", subscription=subscription.name, error=str(exc))
    return out


def build_router(
    settings: Settings,
    outbox: Outbox,
    dispatcher: Dispatcher,
    clock: Callable[[], datetime] = utcnow,
) -> RedisRouter:
    router = RedisRouter()

    # The stories of one read are matched and enqueued in one transaction, and acknowledged
    # once their deliveries are in the outbox; the drain loop, woken, sends them.
    @consume_batch(router, StorySummarized, group=STAGE, settings=settings)
    async def on_stories_summarized(events: Sequence[StorySummarized]) -> None:
        stories = [e for e in events if e.segment.kind == "story"]
        if not stories:
            return
        now, active = clock(), rules(await outbox.active_subscriptions())
        pending = []
        for e in stories:
            story = story_from_event(e)
            due = {s.subscription_id: due_at(s.cadence, now, s.digest_time, s.timezone)
                   for s, rule in active if rule.matches(story)}  # fmt: skip
            pending.append(Pending(e.segment.segment_id, due, story_payload(e), e.redeliver))
        await outbox.enqueue_many(pending)
        dispatcher.wake()

    return router
