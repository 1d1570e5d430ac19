"""The debugging commands on a real Redis and SQLite: a small pipeline, a CLI runner, a receiver."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner, Result

import services.cli.main  # noqa: F401  (registers every command on the app)
from schemas import EpisodeInfo, Segment, SegmentDetected
from schemas.ids import segment_id
from services.cli.app import app
from services.cli.receiver import WebhookReceiver
from services.cli.runtime import wait_until_idle
from services.cli.stages import STAGES
from services.runtime.embedded import EmbeddedRedis
from services.runtime.entries import append
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.db import create_engine, sessions
from services.storage.repository import StoryRepository

pytestmark = pytest.mark.e2e

FROM_CLASSIFIER = ["classifier", "summarizer", "store", "notifier"]
TAXONOMY = """\
default: test-news
taxonomies:
  - name: test-news
    description: A tiny taxonomy for tests.
    sections:
      - slug: {money}
        name: Money
        description: Stocks, shares and trading.
        keywords: [stock*, shares, trading]
      - slug: science
        name: Science
        description: Telescopes, planets and labs.
        keywords: [telescope*, planet*, lab*]
"""
STORIES = [
    ("story", "Stock markets rallied today as shares of chip makers rose in heavy trading. "
              "Analysts said the stock rally could last."),
    ("ad", "This episode is brought to you by a sponsor. Use code NEWS for a discount."),
    ("story", "A new telescope spotted a planet orbiting a nearby star, the lab said. "
              "The planet may hold water."),
]  # fmt: skip

Cli = Callable[..., Awaitable[Result]]


@pytest.fixture(scope="package")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis of our own in place of the session's (`redis_url` empties it before each test):
    replays check whether any client is reading as a worker, and a worker another test left
    running on the shared server would answer yes."""
    with EmbeddedRedis(tmp_path_factory.mktemp("replay-redis"), appendonly=False) as server:
        yield server.url


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def write_taxonomy(path: Path, money_slug: str) -> None:
    path.write_text(TAXONOMY.format(money=money_slug), encoding="utf-8")


@pytest.fixture
def pipeline_settings(settings: Settings, tmp_path: Path, receiver: WebhookReceiver) -> Settings:
    taxonomy = tmp_path / "taxonomy.yaml"
    write_taxonomy(taxonomy, "markets")
    return settings.model_copy(
        update={"taxonomy_file": taxonomy, "webhook_urls": [receiver.url], "delivery_poll_s": 0.2}
    )


def environment(settings: Settings, redis_url: str) -> dict[str, str]:
    """The environment under which `newsdesk` reads these same settings."""
    return {
        "NEWSDESK_REDIS_URL": redis_url,
        "NEWSDESK_DATABASE_URL": str(settings.database_url),
        "NEWSDESK_DATA_DIR": str(settings.data_dir),
        "NEWSDESK_EMBEDDINGS": "false",
        "NEWSDESK_ALLOW_PRIVATE_URLS": "true",
        "NEWSDESK_TAXONOMY_FILE": str(settings.taxonomy_file or ""),
        "NEWSDESK_WEBHOOK_URLS": json.dumps(settings.webhook_urls),
        "NEWSDESK_DELIVERY_POLL_S": str(settings.delivery_poll_s),
        "NEWSDESK_STREAM_RETENTION": json.dumps(settings.stream_retention),
        "NEWSDESK_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }


@pytest.fixture
def cli(pipeline_settings: Settings, redis_url: str) -> Cli:
    """Runs `newsdesk ARGS...` in a thread (it runs its own event loop), as a user would."""
    runner = CliRunner()
    env = environment(pipeline_settings, redis_url)

    async def run(*args: str, input: str | None = None) -> Result:
        invoke = functools.partial(runner.invoke, app, list(args), input=input, env=env)
        return await asyncio.to_thread(invoke)

    return run


def cli_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def story_events(episode_id: str = "ep1") -> list[SegmentDetected]:
    episode = EpisodeInfo(episode_id=episode_id, title="Test bulletin")
    events, offset = [], 0
    for index, (kind, text) in enumerate(STORIES):
        seg = Segment(segment_id=segment_id(episode_id, index, offset, offset + len(text)),
                      index=index, count=len(STORIES), kind=kind,
                      start_line=index * 10 + 1, end_line=index * 10 + 9, start_char=offset,
                      end_char=offset + len(text), text=text)  # fmt: skip
        events.append(
            SegmentDetected(episode=episode, segment=seg, correlation_id=f"run-{episode_id}")
        )
        offset += len(text) + 1
    return events


async def publish(redis_url: str, events: list[SegmentDetected]) -> None:
    client = Redis.from_url(redis_url)
    for event in events:
        await append(client, event.stream, event.model_dump(mode="json"), 1000)
    await client.aclose()


async def run_until_idle(settings: Settings, redis_url: str, names: list[str]) -> None:
    """Run these workers in this process until every group they read is idle."""
    stages = [STAGES[name](settings, redis_url) for name in names]
    groups = [(e.stream, s.group) for s in stages for e in s.consumes]
    client = Redis.from_url(redis_url)
    async with StageHost(stages, settings, redis_url) as host:
        assert await wait_until_idle(client, groups, settle_s=1.0, timeout_s=60, busy=host.busy)
    await client.aclose()


async def sections(settings: Settings) -> dict[int, str | None]:
    engine = create_engine(settings.effective_database_url)
    rows = await StoryRepository(sessions(engine)).segments(episode_id="ep1")
    await engine.dispose()
    return {r.index: r.section for r in rows}


@pytest.fixture
async def processed(pipeline_settings: Settings, redis_url: str, receiver: WebhookReceiver) -> None:
    """One episode (story, ad, story) through classifier → summarizer → store → notifier."""
    await publish(redis_url, story_events())
    await run_until_idle(pipeline_settings, redis_url, FROM_CLASSIFIER)
    assert await sections(pipeline_settings) == {0: "markets", 1: None, 2: "science"}
    assert len(receiver.snapshot()) == 2


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Wait until `check()` holds (Redis offers nothing to await for a stream's length)."""
    async with asyncio.timeout(seconds):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


async def has_length(client: Redis, stream: str, n: int) -> bool:
    return int(await client.xlen(stream)) == n
