"""A stage: one consumer group's router plus the clients it opens and closes, and its loops."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from faststream.redis import RedisRouter

from schemas import Event

Hook = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class Stage:
    """Everything `newsdesk worker NAME` (or the in-process runtime) needs to run one worker."""

    name: str
    router: RedisRouter
    consumes: tuple[type[Event], ...]
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    loops: list[Hook] = field(default_factory=list)
    #: True while the stage has work in hand that its streams no longer show (an outbox).
    busy: Callable[[], bool] = lambda: False

    @property
    def group(self) -> str:
        return self.name
