"""Subscription specs as users write them; Standard Webhooks headers; Retry-After; pacing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from services.notifier.channels import webhook_headers
from services.notifier.pacing import Pacer
from services.notifier.spec import SubscriptionSpec, changed, new_secret

WEBHOOK = {"name": "hook", "channel": "webhook", "url": "https://example.com/hook"}


def test_a_webhook_gets_a_standard_webhooks_secret() -> None:
    spec = SubscriptionSpec.model_validate(WEBHOOK)
    assert spec.secret is not None and spec.secret.startswith("whsec_")
    assert spec.row()["filters"] == {} and spec.row()["cadence"] == "realtime"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"name": "has space"}, "should match pattern"),
        ({"url": "ftp://example.com"}, "not an http(s) URL"),
        ({"secret": "hunter2"}, "`whsec_`"),
        ({"cadence": "digest"}, "needs a digest_time"),
        ({"cadence": "digest", "digest_time": "8am"}, "HH:MM"),
        ({"timezone": "Moon/Base"}, "not a known time zone"),
        ({"channel": "slack", "secret": new_secret()}, "not signed"),
        ({"channel": "email"}, "Input should be 'slack' or 'webhook'"),
    ],
)
def test_bad_specs_say_why(fields: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        SubscriptionSpec.model_validate(WEBHOOK | fields)


class Row:
    """A stored subscription, as the store hands it back."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def test_changed_keeps_what_is_not_changed() -> None:
    spec = SubscriptionSpec.model_validate(WEBHOOK | {"rule": {"entities": ["Anthropic"]}})
    row = Row(**spec.row())
    moved = changed(row, {"url": "https://example.org/new"})
    assert (moved.url, moved.secret, moved.rule.entities) == (
        "https://example.org/new", spec.secret, ["Anthropic"]
    )  # fmt: skip
    to_slack = changed(row, {"channel": "slack"})
    assert to_slack.secret is None
    with pytest.raises(ValueError, match="cannot change"):
        changed(row, {"name": "other"})


def test_webhook_headers_verify_with_the_standard_library() -> None:
    secret = new_secret()
    body = json.dumps({"type": "story.published", "data": {"headline": "Ünïcode"}})
    headers = webhook_headers("msg_1", body, secret, datetime.now(UTC))
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    assert headers["webhook-id"] == "msg_1"


def test_a_plain_text_secret_from_settings_signs_as_its_bytes() -> None:
    body = "{}"
    headers = webhook_headers("msg_2", body, "not base64!", datetime.now(UTC))
    assert Webhook(b"not base64!").verify(body, headers) == {}


async def test_pacer_spaces_messages_to_one_url_and_holds_after_a_429() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    for url, retry_after in (("a", 0.0), ("a", 0.0), ("b", 0.0), ("a", 10.0), ("a", 0.0)):
        async with pacer.turn(url, 1.0) as turn:
            now[0] += 0.25  # the POST itself
            turn.hold(retry_after)
    assert slept == [1.0, 0.75, 10.0], "spacing counts from the end of the last POST"
