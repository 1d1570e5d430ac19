"""Shared fixtures: a throwaway Redis server (never one we did not start, unless told)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.runtime.embedded import EmbeddedRedis
from services.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "000_3ec279d0775a14a8.txt"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL: NEWSDESK_TEST_REDIS_URL if set, else a private server for this session."""
    given = os.environ.get("NEWSDESK_TEST_REDIS_URL")
    if given:
        yield given
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False) as server:
        yield server.url


@pytest.fixture
async def redis_url(redis_server: str) -> AsyncIterator[str]:
    """The session's Redis, emptied before each test."""
    client = Redis.from_url(redis_server)
    await client.flushdb()
    await client.aclose()
    yield redis_server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own SQLite and data dir, fast claiming, retries and
    batching (the sinks still gather what arrives together)."""
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'newsdesk.db'}",
        claim_idle_ms=1_000,
        sink_linger_ms=20,
        retry_base_s=0.05,
        retry_max_s=0.2,
        allow_private_urls=True,
        embeddings=False,
    )
