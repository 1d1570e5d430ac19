"""What CLI commands share: settings, the Redis to use (embedded unless configured), idleness."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from services.runtime.embedded import EmbeddedRedis
from services.runtime.entries import as_text
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings


def load_settings(**overrides: object) -> Settings:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, settings.log_format)
    return settings


@contextlib.asynccontextmanager
async def redis_for(settings: Settings) -> AsyncIterator[str]:
    """The configured Redis URL, or an embedded server with its data under data_dir: the one
    another newsdesk process already runs there (two servers on one AOF would corrupt it),
    else one of our own."""
    if settings.redis_url:
        yield settings.redis_url
        return
    marker = settings.data_dir / "redis" / "url"
    running = await _answering(marker)
    if running:
        yield running
        return
    server = EmbeddedRedis(settings.data_dir / "redis")
    await asyncio.to_thread(server.start)
    await asyncio.to_thread(marker.write_text, server.url, encoding="utf-8")
    try:
        yield server.url
    finally:
        marker.unlink(missing_ok=True)
        await asyncio.to_thread(server.stop)


async def _answering(marker: Path) -> str | None:
    """The URL an embedded server left in `marker`, if that server still answers."""
    try:
        url = (await asyncio.to_thread(marker.read_text, encoding="utf-8")).strip()
    except FileNotFoundError:
        return None
    client = Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        return url if await client.ping() else None
    except RedisError:
        return None  # left by a process that died: start a server of our own
    finally:
        await client.aclose()


async def backlog(client: Redis, groups: Iterable[tuple[str, str]]) -> int:
    """Entries not yet read plus entries read but not acknowledged, over the given groups."""
    total = 0
    for stream, group in groups:
        try:
            infos = await client.xinfo_groups(stream)
        except ResponseError:
            continue
        for info in infos:
            if as_text(info["name"]) == group:
                total += await _lag(client, stream, info) + int(info.get("pending") or 0)
    return total


async def _lag(client: Redis, stream: str, info: dict[str, object]) -> int:
    """XINFO's `lag` (Redis 7); older servers, or an unknown lag, compare the last ids."""
    lag = info.get("lag")
    if isinstance(lag, int):
        return lag
    last = (await client.xinfo_stream(stream))["last-generated-id"]
    return 0 if as_text(last) == as_text(info["last-delivered-id"]) else 1


async def wait_until_idle(
    client: Redis,
    groups: list[tuple[str, str]],
    *,
    settle_s: float = 1.0,
    timeout_s: float | None = None,
    on_tick: Callable[[int], object] | None = None,
    busy: Callable[[], bool] = lambda: False,
) -> bool:
    """True once every group has had nothing to do for `settle_s`, and `busy` (in-process
    stages still working, such as the notifier sending what it has enqueued) has been false
    as long; False on timeout."""
    started = time.monotonic()
    idle_since: float | None = None
    while timeout_s is None or time.monotonic() - started < timeout_s:
        remaining = await backlog(client, groups)
        if on_tick is not None:
            on_tick(remaining)
        now = time.monotonic()
        if remaining or busy():
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= settle_s:
            return True
        await asyncio.sleep(0.2)
    return False
