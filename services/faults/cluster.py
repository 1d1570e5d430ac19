"""Worker processes on a private Redis, SQLite and webhook receiver: the fault suite's rig."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from schemas import ALL_EVENTS, DeadLettered, EpisodeDiscovered, Event
from services.cli.inspection import STAGE_INPUTS
from services.cli.receiver import WebhookReceiver
from services.cli.runtime import backlog
from services.cli.sources import publish_events
from services.faults.workers import Worker, newsdesk_command
from services.runtime.embedded import EmbeddedRedis
from services.runtime.entries import Entry, as_text, read_entry, read_range
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.models import SegmentRow
from services.storage.outbox import Outbox
from services.storage.repository import StoryRepository

#: Every worker of the text pipeline (the fetcher needs feeds, and has its own tests) and the
#: event each consumes; `Cluster.check_groups` fails loudly when the workers say otherwise.
CONSUMES: dict[str, type[Event]] = {s: e for s, e in STAGE_INPUTS.items() if s != "fetcher"}
PIPELINE = tuple(CONSUMES)
GROUPS = sorted((event.stream, stage) for stage, event in CONSUMES.items())
#: A dead consumer's entries are claimed after a second; retries and delivery waits are short.
FAST_ENV = {
    "NEWSDESK_CLAIM_IDLE_MS": "1000",
    "NEWSDESK_RETRY_BASE_S": "0.2",
    "NEWSDESK_RETRY_MAX_S": "2",
    "NEWSDESK_EMBEDDINGS": "false",
    "NEWSDESK_ALLOW_PRIVATE_URLS": "true",
    "NEWSDESK_TRANSCRIPT_ALLOW_LOCAL_FILES": "true",
    "NEWSDESK_DELIVERY_POLL_S": "0.2",
    "NEWSDESK_SINK_LINGER_MS": "50",
    "NEWSDESK_DELIVERY_RETRY_SCHEDULE_S": "[0.5, 0.5, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]",
    "NEWSDESK_LOG_FORMAT": "json",
}
STARTUP_S = 90.0
#: A wait on progress ends by then however it is going: a livelock keeps busy, not moving.
LIMIT_S = 600.0


async def wait_for(
    predicate: Callable[[], Awaitable[bool]],
    timeout_s: float,
    every_s: float = 0.1,
    progress: Callable[[], Awaitable[Hashable]] | None = None,
) -> bool:
    """True once `predicate` holds; False when `timeout_s` passes first.

    With `progress`, `timeout_s` counts from the last change in what it returns, not from the
    start: on a loaded machine a run that is slow but moving is not cut short, and one that is
    stuck still ends `timeout_s` after it stuck (and any, however busy, after `LIMIT_S`).
    """
    started = time.monotonic()
    deadline = started + timeout_s
    seen = await progress() if progress else None
    while not await predicate():
        now = time.monotonic()
        if progress is not None and (moved := await progress()) != seen:
            seen, deadline = moved, min(now + timeout_s, started + LIMIT_S)
        if now > deadline:
            return False
        await asyncio.sleep(every_s)
    return True


class Cluster:
    """A private Redis (AOF on), SQLite file and webhook receiver, and the workers on them."""

    def __init__(
        self,
        root: Path,
        env: Mapping[str, str] | None = None,
        receiver: WebhookReceiver | None = None,
    ) -> None:
        self.root = root
        self.redis = EmbeddedRedis(root / "redis")
        self.receiver = receiver or WebhookReceiver()
        self.database_url = f"sqlite+aiosqlite:///{root / 'newsdesk.db'}"
        self.extra_env = dict(env or {})
        self.workers: list[Worker] = []
        self.client = Redis.from_url(self.redis.url)
        self.engine = create_engine(self.database_url)

    async def __aenter__(self) -> Cluster:
        self.root.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.redis.start)
        self.receiver.start()
        # Migrated once here: workers starting together would race to create the tables.
        await migrate(self.engine)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for worker in self.workers:
            if worker.alive():
                worker.process.terminate()
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))
        await self.client.aclose()
        await self.engine.dispose()
        self.receiver.stop()
        await asyncio.to_thread(self.redis.stop)

    @property
    def settings(self) -> Settings:
        """Settings as the workers see them (for in-process helpers such as publishing)."""
        return Settings(_env_file=None, redis_url=self.redis.url, database_url=self.database_url)

    def env(self, consumer: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        return (
            inherited
            | FAST_ENV
            | self.extra_env
            | {
                "NEWSDESK_REDIS_URL": self.redis.url,
                "NEWSDESK_DATABASE_URL": self.database_url,
                "NEWSDESK_DATA_DIR": str(self.root),
                "NEWSDESK_WEBHOOK_URLS": json.dumps([self.receiver.url]),
                "NEWSDESK_CONSUMER_NAME": consumer,
            }
        )

    def spawn(
        self, label: str, stages: Sequence[str] = PIPELINE, env: Mapping[str, str] | None = None
    ) -> Worker:
        """Start `newsdesk worker STAGES...` as consumer `label` (not waiting for it); `env`
        adds to the cluster's settings for this worker alone."""
        log = self.root / f"{label}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*newsdesk_command(), "worker", *stages],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(label) | dict(env or {}),
                cwd=self.root,  # no stray .env
            )
        worker = Worker(label, tuple(stages), process, log)
        self.workers.append(worker)
        return worker

    async def ready(self, *workers: Worker) -> None:
        async def started() -> bool:
            return all(w.started() for w in workers)

        async def importing() -> Hashable:
            # Start-up is mostly imports: CPU time it gets, slowly on a loaded machine.
            return tuple(round(w.cpu_seconds(), 1) for w in workers)

        if not await wait_for(started, STARTUP_S, every_s=0.2, progress=importing):
            labels = [w.label for w in workers]
            raise RuntimeError(
                f"workers {labels} not up: no CPU used for {STARTUP_S:g} s, or {LIMIT_S:g} s in all"
            )

    async def start(self, label: str, stages: Sequence[str] = PIPELINE) -> Worker:
        worker = self.spawn(label, stages)
        await self.ready(worker)
        return worker

    async def publish(self, events: Sequence[EpisodeDiscovered]) -> None:
        await publish_events(self.redis.url, self.settings, list(events))

    async def groups(self) -> list[tuple[str, str]]:
        """Every (stream, consumer group) pair that exists now."""
        pairs = []
        for event in ALL_EVENTS:
            try:
                infos = await self.client.xinfo_groups(event.stream)
            except ResponseError:
                continue
            pairs += [(event.stream, as_text(info["name"])) for info in infos]
        return pairs

    async def check_groups(self) -> None:
        """The workers created exactly the groups CONSUMES names (else the scenarios are stale)."""
        found = sorted(await self.groups())
        if found != GROUPS:
            raise RuntimeError(f"the pipeline's consumer groups changed: {found} != {GROUPS}")

    async def backlog(self) -> int:
        return await backlog(self.client, await self.groups())

    async def unfinished(self, stream: str, group: str) -> int | None:
        """Entries of `stream` that `group` has not read or not acknowledged; None while the
        group does not exist (its worker has not started)."""
        if (stream, group) not in await self.groups():
            return None
        return await backlog(self.client, [(stream, group)])

    async def progress(self) -> Hashable:
        """Changes whenever the workers get something done: an entry added to a stream or
        acknowledged, a dead letter, a POST the receiver took."""
        lengths = [int(await self.client.xlen(event.stream)) for event in ALL_EVENTS]
        return sum(lengths), await self.backlog(), len(self.receiver.snapshot())

    async def pending(self, stream: str, group: str, consumer: str | None = None) -> int:
        """Entries read but not acknowledged in a group (by one consumer, if named)."""
        if consumer is None:
            return int((await self.client.xpending(stream, group))["pending"])
        rows = await self.client.xpending_range(
            stream, group, min="-", max="+", count=10_000, consumername=consumer
        )
        return len(rows)

    async def stored_stories(self, episode_ids: Collection[str]) -> set[str]:
        rows = await StoryRepository(sessions(self.engine)).segments(kinds=["story"])
        return {r.segment_id for r in rows if r.episode_id in episode_ids}

    async def episode_segments(self, episode_id: str) -> Sequence[SegmentRow]:
        return await StoryRepository(sessions(self.engine)).segments(episode_id=episode_id)

    async def failed_delivery_attempts(self) -> int:
        rows = await Outbox(sessions(self.engine)).deliveries(limit=100_000)
        return sum(delivery.failures for delivery, _ in rows)

    async def deliveries_pending(self) -> int:
        """Deliveries the notifier has still to send, or is sending (a claim stays pending)."""
        rows = await Outbox(sessions(self.engine)).deliveries(status="pending", limit=100_000)
        return len(rows)

    async def stuck_episodes(self) -> set[str | None]:
        """The episodes of every entry still pending in some group."""
        stuck: set[str | None] = set()
        for stream, group in await self.groups():
            rows = await self.client.xpending_range(stream, group, min="-", max="+", count=10_000)
            for row in rows:
                entry = await read_entry(self.client, stream, as_text(row["message_id"]))
                stuck.add(entry.episode_id if entry else None)
        return stuck

    async def dead_letters(self) -> list[Entry]:
        return [e async for e in read_range(self.client, DeadLettered.stream)]
