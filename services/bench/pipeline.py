"""The load benchmark: many one-hour episodes through every worker as separate processes."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from schemas import EpisodeDiscovered, EpisodeInfo
from schemas.ids import episode_id_for_text
from services.bench.relay import RelayRun, bare_relay, faststream_relay
from services.faults.cluster import Cluster, wait_for
from services.faults.workers import Worker
from services.storage.db import sessions
from services.storage.repository import StoryRepository

#: Replicas per worker; the text stages get two each, as the issue's set-up asks.
LAYOUT = {
    "transcriber": 1,
    "segmenter": 2,
    "classifier": 2,
    "summarizer": 2,
    "store": 1,
    "notifier": 1,
}
#: Workers whose CPU is the bus, the store and delivery rather than text work.
SINKS = ("store", "notifier")


@dataclass
class Figures:
    episodes: int
    stories: int
    deliveries: int
    seconds: float
    latencies_s: list[float]
    cpu_s: dict[str, float]
    peak_rss_mb: dict[str, float]
    relay: RelayRun
    bare: RelayRun
    segments: int
    duplicates: int = 0
    lost: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def episodes_per_min(self) -> float:
        return self.episodes / self.seconds * 60

    @property
    def stories_per_s(self) -> float:
        return self.deliveries / self.seconds

    def latency(self, q: float) -> float:
        cuts = statistics.quantiles(self.latencies_s, n=100, method="inclusive")
        return cuts[round(q * 100) - 1]

    @property
    def relay_ratio(self) -> float:
        return self.relay.per_second / self.bare.per_second

    @property
    def bus_share_of_cpu(self) -> float:
        """Store and notifier CPU, plus the bus's own cost per message in the text stages
        (measured by the FastStream relay), over all workers' CPU."""
        text_messages = 2 * self.episodes + 2 * self.segments
        bus = text_messages * self.relay.cpu_per_message_s
        sinks = sum(cpu for name, cpu in self.cpu_s.items() if name.startswith(SINKS))
        return (bus + sinks) / sum(self.cpu_s.values())

    def as_json(self) -> dict[str, object]:
        return {
            "episodes": self.episodes,
            "stories": self.stories,
            "deliveries": self.deliveries,
            "seconds": round(self.seconds, 2),
            "episodes_per_min": round(self.episodes_per_min, 2),
            "stories_per_s": round(self.stories_per_s, 2),
            "p50_latency_s": round(self.latency(0.50), 2),
            "p95_latency_s": round(self.latency(0.95), 2),
            "p99_latency_s": round(self.latency(0.99), 2),
            "peak_rss_mb": {k: round(v, 1) for k, v in self.peak_rss_mb.items()},
            "cpu_s": {k: round(v, 2) for k, v in self.cpu_s.items()},
            "bus_share_of_cpu": round(self.bus_share_of_cpu, 4),
            "relay_ratio": round(self.relay_ratio, 3),
            "relay_msgs_per_s": round(self.relay.per_second),
            "bare_msgs_per_s": round(self.bare.per_second),
            "duplicates": self.duplicates,
            "lost": self.lost,
        }


def episode_variants(sample: Path, count: int) -> list[EpisodeDiscovered]:
    """`count` distinct one-hour episodes: the sample under a new title each time."""
    text = sample.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    events = []
    for n in range(count):
        variant = f"{title} (load test {n})\n{body}"
        info = EpisodeInfo(episode_id=episode_id_for_text(variant), source=f"bench-{n}.txt")
        events.append(EpisodeDiscovered(episode=info, text=variant, producer="bench"))
    return events


def peak_rss_mb(worker: Worker) -> float:
    """The high-water mark of the worker's resident memory (VmHWM, Linux)."""
    status = Path(f"/proc/{worker.process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


async def run(
    root: Path,
    sample: Path,
    episodes: int,
    *,
    rate_per_min: float,
    embeddings: bool,
    low_memory: bool,
    relay_messages: int,
    progress: Callable[[int, int], None],
) -> Figures:
    # Production settings otherwise: INFO logs (a line per message), minute-long claim idle.
    env = {
        "NEWSDESK_EMBEDDINGS": str(embeddings).lower(),
        "NEWSDESK_EMBEDDINGS_LOW_MEMORY": str(low_memory).lower(),
        "NEWSDESK_CLAIM_IDLE_MS": "60000",
    }
    events = episode_variants(sample, episodes)
    async with Cluster(root, env) as cluster:
        workers = [
            cluster.spawn(f"{name}-{i}", [name])
            for name, n in LAYOUT.items()
            for i in range(1, n + 1)
        ]
        await cluster.ready(*workers)
        cpu_before = {w.label: w.cpu_seconds() for w in workers}
        published: dict[str, float] = {}
        for event in events:
            published[event.episode.episode_id] = time.monotonic()
            await cluster.publish([event])
            if rate_per_min:
                await asyncio.sleep(60 / rate_per_min)

        async def idle() -> bool:
            progress(len(cluster.receiver.snapshot()), await cluster.backlog())
            return await cluster.backlog() == 0

        await wait_for(idle, timeout_s=24 * 3600, every_s=1.0)
        received = cluster.receiver.snapshot()
        cpu = {w.label: w.cpu_seconds() - cpu_before[w.label] for w in workers}
        rss = {w.label: peak_rss_mb(w) for w in workers}
        stories = await cluster.stored_stories(set(published))
        segments = len(await StoryRepository(sessions(cluster.engine)).segments())
        relay = await faststream_relay(cluster.redis.url, relay_messages, 4000)
        bare = await bare_relay(cluster.redis.url, relay_messages, 4000)

    story_ids = [r.json()["data"]["story_id"] for r in received]
    latencies = [r.at - published[r.json()["data"]["episode"]["episode_id"]] for r in received]
    return Figures(
        episodes=episodes,
        stories=len(stories),
        deliveries=len(received),
        seconds=max(r.at for r in received) - min(published.values()),
        latencies_s=latencies,
        cpu_s=cpu,
        peak_rss_mb=rss,
        relay=relay,
        bare=bare,
        segments=segments,
        duplicates=len(story_ids) - len(set(story_ids)),
        lost=len(stories - set(story_ids)),
    )
