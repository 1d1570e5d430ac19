"""Dispatch: due outbox rows → claimed units → one POST each → the outcome stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from schemas.ids import stable_id
from services.notifier.channels import Sender
from services.notifier.core import render
from services.notifier.policy import RetryPolicy, Verdict, judge
from services.notifier.slack import DIGEST_STORIES_MAX
from services.storage.models import Delivery, Subscription
from services.storage.outbox import Outbox, Settlement, utcnow

WEBHOOK_DIGEST_MAX = 100
log = structlog.get_logger("newsdesk.notifier")


@dataclass(frozen=True)
class Unit:
    """What one POST carries: one story, or a digest's worth for one subscription."""

    subscription: Subscription
    deliveries: tuple[Delivery, ...]

    @property
    def digest(self) -> bool:
        return self.subscription.cadence == "digest"

    @property
    def message_id(self) -> str:
        ids = sorted(d.delivery_id for d in self.deliveries)
        return ids[0] if not self.digest else "digest_" + stable_id(*ids)

    def only(self, ids: Sequence[str]) -> Unit:
        return Unit(self.subscription, tuple(d for d in self.deliveries if d.delivery_id in ids))


def units(due: Sequence[tuple[Delivery, Subscription]]) -> list[Unit]:
    """Realtime deliveries go one by one; a digest's go together, as many as a message holds."""
    out: list[Unit] = []
    digests: dict[str, list[Delivery]] = {}
    subscriptions: dict[str, Subscription] = {}
    for delivery, subscription in due:
        if subscription.cadence == "digest":
            digests.setdefault(subscription.subscription_id, []).append(delivery)
            subscriptions[subscription.subscription_id] = subscription
        else:
            out.append(Unit(subscription, (delivery,)))
    for sid, rows in digests.items():
        rows = _in_reading_order(rows)
        size = DIGEST_STORIES_MAX if subscriptions[sid].channel == "slack" else WEBHOOK_DIGEST_MAX
        chunks = [tuple(rows[i : i + size]) for i in range(0, len(rows), size)]
        out += [Unit(subscriptions[sid], chunk) for chunk in chunks]
    return out


def _in_reading_order(rows: list[Delivery]) -> list[Delivery]:
    """Newest episode first, and each episode's stories in the order they were told."""

    def episode(d: Delivery) -> dict[str, Any]:
        return d.payload.get("episode") or {}

    def told(d: Delivery) -> tuple[str, int]:
        return episode(d).get("episode_id") or "", d.payload.get("index", 0)

    def published(d: Delivery) -> str:
        return episode(d).get("published") or ""

    return sorted(sorted(rows, key=told), key=published, reverse=True)


class Dispatcher:
    """Sends what the outbox says is due, claiming each unit first."""

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        policy: RetryPolicy,
        *,
        lease_s: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.outbox, self.sender, self.policy = outbox, sender, policy
        self.lease_s, self.clock = lease_s, clock
        self._lock = asyncio.Lock()

    async def drain(self) -> int:
        """One pass over what is due; returns how many deliveries were delivered."""
        delivered = 0
        async with self._lock:
            held: set[str] = set()
            streak: dict[str, int] = {}
            for unit in units(await self.outbox.due(self.clock())):
                sid = unit.subscription.subscription_id
                if sid in held:
                    continue
                claimed = await self.outbox.claim(
                    [d.delivery_id for d in unit.deliveries], self.clock(), self.lease_s
                )
                if not claimed:
                    continue
                failures = streak.get(sid, unit.subscription.consecutive_failures)
                verdict = await self._attempt(unit.only(claimed), failures)
                ok = verdict.status == "delivered"
                streak[sid] = 0 if ok else failures + verdict.counts_as_failure
                if verdict.hold_until or verdict.disable_reason:
                    held.add(sid)
                delivered += len(claimed) if ok else 0
        return delivered

    async def _attempt(self, unit: Unit, endpoint_failures: int) -> Verdict:
        sub = unit.subscription
        started, now = time.perf_counter(), self.clock()
        document = render(sub.channel, [d.payload for d in unit.deliveries],
                          subscription=sub.name, digest=unit.digest, now=now)  # fmt: skip
        answer = await self.sender.send(
            sub.channel, sub.url, document, message_id=unit.message_id, secret=sub.secret
        )
        failures = max(d.failures for d in unit.deliveries)
        verdict = judge(sub.channel, answer, failures=failures, now=self.clock(),
                        endpoint_failures=endpoint_failures, policy=self.policy)  # fmt: skip
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        await self.outbox.settle(
            [d.delivery_id for d in unit.deliveries],
            sub.subscription_id,
            Settlement(
                status=verdict.status, outcome=verdict.outcome.value,
                next_attempt_at=verdict.next_attempt_at, status_code=answer.status_code,
                error=verdict.error, failed=verdict.counts_as_failure, attempted_at=now,
                duration_ms=duration_ms, disable_reason=verdict.disable_reason,
                hold_until=verdict.hold_until,
            ),
        )  # fmt: skip
        log.info("delivery_attempted", subscription=sub.name, channel=sub.channel,
                 stories=len(unit.deliveries), outcome=verdict.outcome.value,
                 status_code=answer.status_code, duration_ms=duration_ms,
                 error=verdict.error, disabled=verdict.disable_reason)  # fmt: skip
        return verdict

    async def run_forever(self, interval_s: float = 2.0) -> None:
        while True:
            try:
                await self.drain()
            except Exception:
                # The loop outlives a database hiccup; the next pass picks up where this stopped.
                log.exception("outbox_drain_failed")
            await asyncio.sleep(interval_s)
