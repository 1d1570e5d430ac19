"""A subscription as a user writes it (CLI, API, YAML) → validated values for the store."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.ids import stable_id
from services.notifier.cadence import parse_time, zone
from services.notifier.core import Rule

Channel = Literal["slack", "webhook"]
Cadence = Literal["realtime", "digest"]
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def subscription_id(name: str) -> str:
    return stable_id("subscription", name)


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    return url


def check_secret(secret: str) -> str:
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a signing secret is `whsec_` followed by base64") from exc
    if not secret.startswith("whsec_") or len(key) < 16:
        raise ValueError("a signing secret is `whsec_` followed by at least 16 bytes in base64")
    return secret


class SubscriptionSpec(BaseModel):
    """Who gets what, where and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="Letters, digits, `.`, `_`, `-`.")
    channel: Channel
    url: str = Field(description="A Slack incoming-webhook URL, or your endpoint's URL.")
    secret: str | None = Field(
        default=None, description="Webhooks: `whsec_…` signing secret; generated when omitted."
    )
    rule: Rule = Field(default_factory=Rule)
    cadence: Cadence = "realtime"
    digest_time: str | None = Field(default=None, description="HH:MM, for a daily digest.")
    timezone: str = "UTC"
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _default_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("channel") == "webhook" and not data.get("secret"):
            return {**data, "secret": new_secret()}
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return None if value is None else check_secret(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("digest_time")
    @classmethod
    def _digest_time(cls, value: str | None) -> str | None:
        return None if value is None else parse_time(value).strftime("%H:%M")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.cadence == "digest" and self.digest_time is None:
            raise ValueError("a digest needs a digest_time (HH:MM)")
        if self.channel == "slack" and self.secret:
            raise ValueError("Slack webhooks are not signed; drop the secret")
        return self

    def row(self) -> dict[str, Any]:
        """The subscriptions table's columns."""
        return {
            "subscription_id": subscription_id(self.name),
            "name": self.name,
            "channel": self.channel,
            "url": self.url,
            "secret": self.secret,
            "filters": self.rule.model_dump(exclude_defaults=True),
            "cadence": self.cadence,
            "digest_time": self.digest_time,
            "timezone": self.timezone,
            "enabled": self.enabled,
        }


def stored_spec(row: Any) -> dict[str, Any]:
    """A stored subscription (any object with its columns) as the fields of a spec."""
    return {
        "name": row.name, "channel": row.channel, "url": row.url, "secret": row.secret,
        "rule": row.filters, "cadence": row.cadence, "digest_time": row.digest_time,
        "timezone": row.timezone or "UTC", "enabled": row.enabled,
    }  # fmt: skip


def changed(row: Any, changes: dict[str, Any]) -> SubscriptionSpec:
    """A stored subscription with some fields changed, validated as a whole again."""
    if "name" in changes and changes["name"] != row.name:
        raise ValueError("a subscription's name cannot change; create a new one instead")
    fields = stored_spec(row) | changes
    if changes.get("channel") == "slack" and "secret" not in changes:
        fields["secret"] = None
    return SubscriptionSpec.model_validate(fields)
