"""Consumer groups are created at `0` with MKSTREAM, so nothing published earlier is skipped."""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import ResponseError


async def ensure_groups(client: Redis, pairs: Iterable[tuple[str, str]]) -> None:
    """Create each (stream, group) if missing; an existing group keeps its position."""
    for stream, group in pairs:
        try:
            await client.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
