"""The envelope every event shares: identity, time, tracing and producer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


class Value(BaseModel):
    """A frozen value object; readers ignore fields they do not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Value):
    """Base of every event: named in the past tense, versioned, bound to one stream."""

    stream: ClassVar[str]
    version: ClassVar[int] = 1

    event_id: str = Field(default_factory=_new_id)
    event_type: str = ""
    schema_version: int = 0
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: str = Field(default_factory=_new_id)
    causation_id: str | None = None
    producer: str = "newsdesk"
    replay: bool = False
    #: A replayed story is sent again to subscriptions that already received it.
    redeliver: bool = False

    def model_post_init(self, context: Any, /) -> None:
        # Writers are strict: the type and version always match the class.
        object.__setattr__(self, "event_type", type(self).__name__)
        object.__setattr__(self, "schema_version", type(self).version)

    def caused(self, producer: str) -> dict[str, Any]:
        """Envelope fields for an event caused by this one (same correlation, replay kept)."""
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.event_id,
            "producer": producer,
            "replay": self.replay,
            "redeliver": self.redeliver,
        }

    @classmethod
    def stream_name(cls) -> str:
        return cls.stream

    def with_replay(self, *, redeliver: bool = False) -> Self:
        """A copy to re-publish: a new event id, marked as a replay (and to resend, if asked)."""
        return self.model_copy(
            update={"replay": True, "redeliver": redeliver, "event_id": _new_id()}
        )
