"""Delivery policy: an endpoint's answer → delivered, retry when, give up, or disable it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: Slack answers that mean the webhook itself is dead: retrying cannot help.
SLACK_GONE = frozenset({
    "channel_not_found", "channel_is_archived", "no_service", "no_team", "team_disabled",
    "invalid_token", "action_prohibited", "posting_to_general_channel_denied",
})  # fmt: skip
#: Slack answers that mean this message is wrong: the endpoint is fine, the payload is not.
SLACK_REJECTED = frozenset({
    "invalid_payload", "invalid_blocks", "invalid_blocks_format", "too_many_attachments",
    "no_text", "msg_too_long",
})  # fmt: skip


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RATE_LIMITED = "rate_limited"
    GONE = "gone"
    REJECTED = "rejected"
    REFUSED = "refused"
    FAILED = "failed"


@dataclass(frozen=True)
class Answer:
    """What came back from one attempt: a status and body, or a transport error."""

    status_code: int | None = None
    body: str = ""
    retry_after: float | None = None
    error: str | None = None
    refused: bool = False

    def describe(self) -> str:
        if self.error:
            return self.error
        body = " ".join(self.body.split())[:300]
        return f"HTTP {self.status_code}" + (f": {body}" if body else "")


def classify(channel: str, answer: Answer) -> Outcome:
    if answer.refused:
        return Outcome.REFUSED
    code, body = answer.status_code, answer.body.strip()
    if code is None:
        return Outcome.FAILED
    if 200 <= code < 300:
        return Outcome.DELIVERED
    if code == 429:
        return Outcome.RATE_LIMITED
    if code == 410 or (channel == "slack" and body in SLACK_GONE):
        return Outcome.GONE
    if channel == "slack" and (code in (400, 413) or body in SLACK_REJECTED):
        return Outcome.REJECTED
    return Outcome.FAILED


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000)
    disable_after: int = 15
    default_retry_after_s: float = 60.0


@dataclass(frozen=True)
class Verdict:
    """What to store after an attempt, for the delivery and for its endpoint."""

    outcome: Outcome
    status: str
    next_attempt_at: datetime | None
    counts_as_failure: bool
    error: str | None
    disable_reason: str | None = None
    #: The endpoint's other due deliveries wait until then: a failing or throttling endpoint
    #: gets one attempt per round, not one per queued story.
    hold_until: datetime | None = None


def judge(
    channel: str,
    answer: Answer,
    *,
    failures: int,
    endpoint_failures: int,
    now: datetime,
    policy: RetryPolicy,
) -> Verdict:
    """`failures`: this delivery's failed attempts so far; `endpoint_failures`: its endpoint's
    failures in a row so far."""
    outcome = classify(channel, answer)
    error = None if outcome is Outcome.DELIVERED else answer.describe()
    if outcome is Outcome.DELIVERED:
        return Verdict(outcome, "delivered", None, False, None)
    if outcome is Outcome.RATE_LIMITED:
        wait = answer.retry_after
        until = now + timedelta(seconds=policy.default_retry_after_s if wait is None else wait)
        return Verdict(outcome, "pending", until, False, error, hold_until=until)
    if outcome in (Outcome.GONE, Outcome.REFUSED):
        # The delivery stays pending: resuming the subscription sends it.
        return Verdict(outcome, "pending", now, True, error, disable_reason=f"{outcome}: {error}")
    if outcome is Outcome.REJECTED:
        return Verdict(outcome, "failed", None, False, error)
    return _failed(error, failures, endpoint_failures, now, policy)


def _failed(
    error: str | None, failures: int, endpoint_failures: int, now: datetime, policy: RetryPolicy
) -> Verdict:
    retry_at = None
    if failures < len(policy.schedule):
        retry_at = now + timedelta(seconds=policy.schedule[failures])
    in_a_row = endpoint_failures + 1
    disable = None
    if in_a_row >= policy.disable_after:
        disable = f"{in_a_row} failed attempts in a row; last: {error}"
    # The endpoint backs off by its own failures in a row, not by this delivery's: a burst of
    # new stories to a dead endpoint must not use up `disable_after` in seconds.
    step = min(endpoint_failures, len(policy.schedule) - 1)
    hold = now + timedelta(seconds=policy.schedule[step] if policy.schedule else 0)
    status = "pending" if retry_at else "failed"
    return Verdict(Outcome.FAILED, status, retry_at, True, error, disable, hold_until=hold)
