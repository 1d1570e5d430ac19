"""What an endpoint's answer means: delivered, retry when, give up, or disable the endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.policy import Answer, Outcome, RetryPolicy, classify, judge

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(schedule=(5, 300, 1800), disable_after=4)


@pytest.mark.parametrize(
    ("channel", "answer", "outcome"),
    [
        ("webhook", Answer(204), Outcome.DELIVERED),
        ("slack", Answer(200, "ok"), Outcome.DELIVERED),
        ("webhook", Answer(429, retry_after=30), Outcome.RATE_LIMITED),
        ("webhook", Answer(410), Outcome.GONE),
        ("slack", Answer(404, "channel_not_found"), Outcome.GONE),
        ("slack", Answer(410, "channel_is_archived"), Outcome.GONE),
        ("slack", Answer(403, "action_prohibited"), Outcome.GONE),
        ("slack", Answer(400, "invalid_payload"), Outcome.REJECTED),
        ("webhook", Answer(400, "bad request"), Outcome.FAILED),  # maybe their bug; retried
        ("webhook", Answer(404), Outcome.FAILED),
        ("slack", Answer(500, "internal_error"), Outcome.FAILED),
        ("webhook", Answer(302, "redirect to x not followed"), Outcome.FAILED),
        ("webhook", Answer(error="ConnectError: refused"), Outcome.FAILED),
        ("webhook", Answer(error="refusing: loopback", refused=True), Outcome.REFUSED),
    ],
)
def test_classify(channel: str, answer: Answer, outcome: Outcome) -> None:
    assert classify(channel, answer) is outcome


def test_failures_follow_the_schedule_then_give_up() -> None:
    waits = []
    for failures in range(4):
        verdict = judge("webhook", Answer(503, "busy"), failures=failures, endpoint_failures=0,
                        now=NOW, policy=POLICY)  # fmt: skip
        waits.append(verdict.next_attempt_at and (verdict.next_attempt_at - NOW).total_seconds())
        assert verdict.counts_as_failure and verdict.error == "HTTP 503: busy"
    assert waits == [5, 300, 1800, None]
    assert verdict.status == "failed"
    assert verdict.hold_until == NOW + timedelta(seconds=5)


def test_the_nth_failure_in_a_row_disables_the_endpoint() -> None:
    kept = judge("webhook", Answer(503), failures=0, endpoint_failures=2, now=NOW, policy=POLICY)
    assert kept.disable_reason is None
    dropped = judge("webhook", Answer(503), failures=0, endpoint_failures=3, now=NOW,
                    policy=POLICY)  # fmt: skip
    assert dropped.disable_reason == "4 failed attempts in a row; last: HTTP 503"


def test_rate_limits_wait_as_told_and_do_not_count() -> None:
    told = judge("slack", Answer(429, "rate_limited", retry_after=30), failures=2,
                 endpoint_failures=3, now=NOW, policy=POLICY)  # fmt: skip
    assert (told.status, told.counts_as_failure) == ("pending", False)
    assert told.next_attempt_at == told.hold_until == NOW + timedelta(seconds=30)
    untold = judge("slack", Answer(429), failures=0, endpoint_failures=0, now=NOW, policy=POLICY)
    assert untold.next_attempt_at == NOW + timedelta(seconds=POLICY.default_retry_after_s)


def test_gone_disables_and_keeps_the_delivery_for_a_resume() -> None:
    gone = judge("slack", Answer(410, "channel_is_archived"), failures=0, endpoint_failures=0,
                 now=NOW, policy=POLICY)  # fmt: skip
    assert (gone.status, gone.next_attempt_at) == ("pending", NOW)
    assert gone.disable_reason == "gone: HTTP 410: channel_is_archived"


def test_rejected_payloads_fail_without_blaming_the_endpoint() -> None:
    rejected = judge("slack", Answer(400, "invalid_blocks"), failures=0, endpoint_failures=0,
                     now=NOW, policy=POLICY)  # fmt: skip
    assert (rejected.status, rejected.counts_as_failure, rejected.disable_reason) == (
        "failed", False, None
    )  # fmt: skip


def test_a_failing_endpoint_backs_off_by_its_own_streak_not_each_new_story() -> None:
    """A burst of first attempts at a dead endpoint waits longer each time, so it takes
    the whole schedule, not seconds, to reach `disable_after`."""
    holds = [
        judge("webhook", Answer(503), failures=0, endpoint_failures=streak, now=NOW,
              policy=POLICY).hold_until
        for streak in range(4)
    ]  # fmt: skip
    assert holds == [NOW + timedelta(seconds=s) for s in (5, 300, 1800, 1800)]
