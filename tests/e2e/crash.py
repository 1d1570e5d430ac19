"""Simulating a consumer that takes entries and dies before acknowledging them."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis


async def take_and_die(client: Redis, stream: str, group: str, consumer: str) -> list[str]:
    """Read every new entry of `stream` in `group` as `consumer`, never acking: their ids."""
    reply: Any = await client.xreadgroup(group, consumer, {stream: ">"})
    return [_text(entry_id) for _stream, rows in reply or [] for entry_id, _fields in rows]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
