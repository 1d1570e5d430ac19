"""Leases in Redis: a feed id → at most one queued poll request and one poll in flight."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis

# Delete the key only if it still holds our token: an expired lease may belong to another.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def queued_key(feed_id: str) -> str:
    return f"newsdesk:fetcher:queued:{feed_id}"


def polling_key(feed_id: str) -> str:
    return f"newsdesk:fetcher:polling:{feed_id}"


class Leases(Protocol):
    async def acquire(self, key: str, ttl_s: float) -> str | None: ...

    async def release(self, key: str, token: str | None = None) -> None: ...


class RedisLeases:
    """SET NX PX leases; shared by every fetcher replica through the one Redis."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._release = client.register_script(_RELEASE)

    async def acquire(self, key: str, ttl_s: float) -> str | None:
        """A token when the lease is ours, None when someone else holds it."""
        token = uuid.uuid4().hex
        held = await self._client.set(key, token, nx=True, px=max(int(ttl_s * 1000), 1))
        return token if held else None

    async def release(self, key: str, token: str | None = None) -> None:
        """Release a lease we hold (token given), or whichever holder's (no token)."""
        if token is None:
            await self._client.delete(key)
        else:
            await self._release(keys=[key], args=[token])


@asynccontextmanager
async def holding(leases: Leases, key: str, ttl_s: float) -> AsyncIterator[bool]:
    """True inside when the lease was ours to take; released on the way out."""
    token = await leases.acquire(key, ttl_s)
    try:
        yield token is not None
    finally:
        if token is not None:
            await leases.release(key, token)
