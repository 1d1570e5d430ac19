"""Pacing: one turn per interval per Slack webhook, shared by every notifier through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from services.runtime.cancellation import to_the_end

log = structlog.get_logger("newsdesk.notifier")

# The key lives as long as nobody may send: while a turn is in flight ("sending:<token>",
# for at most the lease), then for the gap after it ("wait"). Returns 0 when the turn is
# ours, else how many ms to wait; an in-flight turn usually ends well before its lease, so
# it is looked at again after one interval. A key without expiry (not ours) gets one.
_CLAIM = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('pttl', KEYS[1])
if left == -1 then redis.call('pexpire', KEYS[1], ARGV[2]) end
if left < 0 or string.sub(redis.call('get', KEYS[1]), 1, 8) == 'sending:' then
  left = math.min(math.max(left, 0), tonumber(ARGV[3]))
end
return math.max(left, 1)
"""
# Our turn ends: its lease becomes the gap. A longer wait someone else set stays as it is.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] or redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('set', KEYS[1], 'wait', 'PX', ARGV[2])
end
return 0
"""


def pace_key(url: str) -> str:
    """The URL is a secret (whoever has it can post): only its hash names the key."""
    return "newsdesk:notifier:pace:" + hashlib.sha256(url.encode()).hexdigest()[:32]


def pacing_client(redis_url: str, timeout_s: float = 1.0) -> Redis:
    """A Redis client that answers fast or fails fast: the pacer then paces locally."""
    return Redis.from_url(
        redis_url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 1),
    )


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


@dataclass
class Turn:
    """One message's turn; a 429 inside it makes the wait after it longer."""

    held_s: float = 0.0

    def hold(self, seconds: float) -> None:
        self.held_s = max(self.held_s, seconds)


class Pacer:
    """At most one message per interval to each URL, and none while a 429 says wait.

    With Redis, every notifier process shares each URL's turns. Without it, or while it does
    not answer (asked again every `retry_shared_s`), each process paces alone: replicas may
    then together go too fast, and Slack's 429 is honoured and costs no retry, where failing
    the send instead would count against the endpoint. A zero interval (webhooks) never asks
    Redis.
    """

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        lease_s: float = 60.0,
        retry_shared_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._redis, self._lease_s, self._retry_shared_s = redis, lease_s, retry_shared_s
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._local_until: float | None = None  # set while Redis is not answering
        if redis is not None:
            self._claim = redis.register_script(_CLAIM)
            self._release = redis.register_script(_RELEASE)

    @contextlib.asynccontextmanager
    async def turn(self, url: str, interval: float) -> AsyncIterator[Turn]:
        # One waiter per URL in this process: the others queue here, not on Redis.
        async with self._locks.setdefault(url, asyncio.Lock()):
            token = await self._claim_shared(url, interval) if interval > 0 else None
            if token is None:
                wait = self._next.get(url, 0.0) - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            turn = Turn()
            try:
                yield turn
            finally:
                gap = max(interval, turn.held_s)
                self._next[url] = max(self._next.get(url, 0.0), self._clock() + gap)
                if token is not None:
                    await to_the_end(self._release_shared(url, token, gap))

    async def _claim_shared(self, url: str, interval: float) -> str | None:
        """Wait for the URL's shared turn; its token, or None to pace locally instead."""
        if self._redis is None or not self._shared_due():
            return None
        token, key = f"sending:{uuid.uuid4().hex}", pace_key(url)
        args: list[str | int] = [token, _ms(self._lease_s), _ms(interval)]
        try:
            while wait_ms := int(await self._claim(keys=[key], args=args)):
                await self._sleep(wait_ms / 1000)
        except (RedisError, OSError) as exc:
            self._unavailable(exc)
            return None
        self._available()
        return token

    async def _release_shared(self, url: str, token: str, gap: float) -> None:
        try:
            await self._release(keys=[pace_key(url)], args=[token, _ms(gap)])
        except (RedisError, OSError) as exc:
            self._unavailable(exc)

    def _shared_due(self) -> bool:
        return self._local_until is None or self._clock() >= self._local_until

    def _unavailable(self, exc: Exception) -> None:
        if self._local_until is None:
            log.warning("slack_pacing_local", error=f"{type(exc).__name__}: {exc}",
                        retry_shared_s=self._retry_shared_s)  # fmt: skip
        self._local_until = self._clock() + self._retry_shared_s

    def _available(self) -> None:
        if self._local_until is not None:
            log.info("slack_pacing_shared")
            self._local_until = None
