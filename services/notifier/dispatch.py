"""Dispatch: due outbox rows → claimed units → one POST each → the outcomes stored."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from schemas.ids import stable_id
from services.notifier.channels import Sender
from services.notifier.core import render
from services.notifier.policy import RetryPolicy, Verdict, judge
from services.notifier.slack import DIGEST_STORIES_MAX
from services.runtime.cancellation import stop_if_asked, to_the_end
from services.storage.models import Delivery, Subscription
from services.storage.outbox import Attempted, Outbox, Settlement, utcnow

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

    def only(self, ids: Collection[str]) -> Unit:
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


@dataclass
class Pass:
    """What one drain pass did, to be stored in one transaction."""

    attempts: list[Attempted] = field(default_factory=list)
    delivered: int = 0


class Dispatcher:
    """Sends what the outbox says is due, claiming it first.

    A pass (when woken, `linger_s` later; else every `interval_s`) claims every due
    delivery in one transaction, sends to each endpoint in order
    (endpoints side by side, at most `concurrency` at once) and stores every outcome in one
    more transaction. Deliveries it claimed but did not send (their endpoint said wait, the
    pass ran past half its lease, or it was cancelled) are released in that transaction.
    """

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        policy: RetryPolicy,
        *,
        lease_s: float = 300.0,
        concurrency: int = 8,
        linger_s: float = 0.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.outbox, self.sender, self.policy = outbox, sender, policy
        self.lease_s, self.linger_s, self.clock = lease_s, linger_s, clock
        self._lock = asyncio.Lock()
        self._endpoints = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._holding = 0  # deliveries the running pass has claimed and not yet settled

    def wake(self) -> None:
        """Deliveries were enqueued: the drain loop's next pass starts now, not on its timer."""
        self._wake.set()

    def busy(self) -> bool:
        """Woken and not yet passed, or a pass holds deliveries it has not settled: what is
        due now has not been tried yet. A pass on the timer that finds nothing due is not
        busy, or an idle notifier polling every 0.2 s would look busy whenever looked at."""
        return self._wake.is_set() or self._holding > 0

    async def drain(self) -> int:
        """One pass over what is due; returns how many deliveries were delivered."""
        async with self._lock:
            return await self._pass()

    async def _pass(self) -> int:
        now = self.clock()
        due = units(await self.outbox.due(now))
        ids = [d.delivery_id for unit in due for d in unit.deliveries]
        claimed = set(await self.outbox.claim(ids, now, self.lease_s)) if ids else set()
        self._holding = len(claimed)
        by_endpoint: dict[str, list[Unit]] = {}
        for unit in due:
            mine = unit.only(claimed)
            if mine.deliveries:
                by_endpoint.setdefault(mine.subscription.subscription_id, []).append(mine)
        done = Pass()
        deadline = time.monotonic() + self.lease_s / 2
        try:
            await asyncio.gather(
                *(self._send(todo, done, deadline) for todo in by_endpoint.values())
            )
        finally:
            # Also when cancelled (the worker is stopping): what was sent is recorded,
            # so it is not sent again when the lease ends; the rest is released.
            sent = {i for attempt in done.attempts for i in attempt.delivery_ids}
            unsent = sorted(claimed - sent)
            if done.attempts or unsent:
                settle = self.outbox.settle_many(done.attempts, release=unsent, now=self.clock())
                await to_the_end(settle)
            self._holding = 0
        return done.delivered

    async def _send(self, todo: list[Unit], done: Pass, deadline: float) -> None:
        """One endpoint's units in order, until a hold, a disable or the deadline."""
        failures = todo[0].subscription.consecutive_failures
        async with self._endpoints:
            for unit in todo:
                verdict = await self._attempt(unit, failures, done)
                ok = verdict.status == "delivered"
                failures = 0 if ok else failures + verdict.counts_as_failure
                done.delivered += len(unit.deliveries) if ok else 0
                if verdict.hold_until or verdict.disable_reason or time.monotonic() > deadline:
                    return

    async def _attempt(self, unit: Unit, endpoint_failures: int, done: Pass) -> Verdict:
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
        done.attempts.append(
            Attempted(
                [d.delivery_id for d in unit.deliveries],
                sub.subscription_id,
                Settlement(
                    status=verdict.status, outcome=verdict.outcome.value,
                    next_attempt_at=verdict.next_attempt_at, status_code=answer.status_code,
                    error=verdict.error, failed=verdict.counts_as_failure, attempted_at=now,
                    duration_ms=duration_ms, disable_reason=verdict.disable_reason,
                    hold_until=verdict.hold_until,
                ),
            )
        )  # fmt: skip
        log.info("delivery_attempted", subscription=sub.name, channel=sub.channel,
                 stories=len(unit.deliveries), outcome=verdict.outcome.value,
                 status_code=answer.status_code, duration_ms=duration_ms,
                 error=verdict.error, disabled=verdict.disable_reason)  # fmt: skip
        return verdict

    async def run_forever(self, interval_s: float = 2.0) -> None:
        """A pass when woken, and every `interval_s` (for retries and digests coming due)."""
        while True:
            try:
                async with self._lock:  # held before the wake is cleared: never idle between
                    self._wake.clear()
                    await self._pass()
            except Exception:
                # The loop outlives a database hiccup; the next pass picks up where this stopped.
                log.exception("outbox_drain_failed")
            stop_if_asked()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval_s)
                await asyncio.sleep(self.linger_s)  # woken: let a trickle gather first
