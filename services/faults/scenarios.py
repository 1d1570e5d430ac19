"""The fault scenarios: real worker processes, one kind of fault each, then the tally."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError

from schemas import SegmentDetected
from services.cli.sources import SAMPLE
from services.faults.cluster import CONSUMES, PIPELINE, STARTUP_S, Cluster, wait_for
from services.faults.outcome import Outcome
from services.faults.receiver import DownReceiver
from services.faults.tally import RUN_S, expect, settle, short_episodes
from services.faults.workers import Worker

OUTAGE_S = 30.0
#: The webhook receiver's outage, in POSTs: it refuses this many, then takes every one.
REFUSALS = 6
#: The outage can neither disable the endpoint (failures in a row) nor make a delivery give up
#: (FAST_ENV's retry schedule): each allows at least twice REFUSALS.
WEBHOOK_DOWN_ENV = {"NEWSDESK_DELIVERY_DISABLE_AFTER": str(2 * REFUSALS)}
#: While Redis is down a worker may say so, not flood its log or spin a core.
MAX_LOG_LINES_PER_S = 5.0
MAX_CPU_SHARE = 0.25
#: The stage the kill scenario shoots: it gets an entry per segment, so a first read holds many.
VICTIM = "classifier"
#: The victim reads this many entries at once (replicas read one), so it holds them all.
VICTIM_READ = 1000


async def worker_killed(root: Path) -> Outcome:
    """A classifier is SIGKILLed holding entries; a fresh replica claims them and ends the run.

    The victim starts once the segments wait for it, so its first read takes them all and it
    dies with every one of them in hand. It is caught holding them, not raced: frozen
    (SIGSTOP) and looked at over and over, until a look finds entries in its hands, and then
    killed without ever running on.
    """
    outcome = Outcome("worker SIGKILLed mid-message")
    expected = short_episodes()
    stream = CONSUMES[VICTIM].stream
    async with Cluster(root) as cluster:
        await cluster.start("pipeline", [s for s in PIPELINE if s != VICTIM])
        await cluster.publish([e.event for e in expected])

        async def segmented() -> bool:
            return await cluster.backlog() == 0 and await cluster.client.xlen(stream) > 0

        await wait_for(segmented, RUN_S, progress=cluster.progress)
        waiting = int(await cluster.client.xlen(stream))
        victim = cluster.spawn("victim", [VICTIM], {"NEWSDESK_READ_COUNT": str(VICTIM_READ)})

        async def caught() -> bool:
            """Frozen holding entries, or past catching (done with every one already)."""
            if not victim.started():
                return False
            victim.freeze()
            if await cluster.pending(stream, VICTIM, victim.label) > 0:
                return True
            victim.thaw()
            return await cluster.unfinished(stream, VICTIM) == 0

        async def starting() -> Hashable:
            return victim.cpu_seconds()

        await wait_for(caught, STARTUP_S, every_s=0.005, progress=starting)
        held = await cluster.pending(stream, VICTIM, victim.label)
        victim.kill()
        await cluster.start("replacement", [VICTIM])
        count = await settle(cluster, expected, RUN_S)
        left = await cluster.pending(stream, VICTIM, victim.label)
    complete = outcome.counted(count)
    outcome.fault(
        held > 0 and left == 0 and complete,
        f"{VICTIM} killed holding {held} of {waiting} entries, {left} left unclaimed; {count}",
    )
    return outcome


async def _mid_run(client: Redis) -> bool:
    """Segments are on the bus: the transcriber is done, the later stages are not."""
    return int(await client.xlen(SegmentDetected.stream)) > 0


async def redis_restarted(root: Path) -> Outcome:
    """Redis is killed mid-run and started again on its AOF; the workers carry on."""
    outcome = Outcome("Redis killed and restarted mid-run")
    expected = [expect(SAMPLE), *short_episodes()]
    async with Cluster(root) as cluster:
        worker = await cluster.start("pipeline")
        await cluster.publish([e.event for e in expected])
        await wait_for(lambda: _mid_run(cluster.client), RUN_S, 0.01, cluster.progress)
        await asyncio.to_thread(cluster.redis.kill)
        await asyncio.to_thread(cluster.redis.start)
        count = await settle(cluster, expected, RUN_S)
        alive = worker.alive()
    complete = outcome.counted(count)
    outcome.fault(complete and alive, f"worker alive: {alive}; {count}")
    return outcome


async def _watch(worker: Worker, seconds: float) -> bool:
    """Whether the worker stayed up the whole time (looked at twice a second)."""
    alive = True
    for _ in range(int(seconds * 2)):
        alive = alive and worker.alive()
        await asyncio.sleep(0.5)
    return alive and worker.alive()


async def redis_down(root: Path, outage_s: float = OUTAGE_S) -> Outcome:
    """Redis is down for `outage_s` mid-run: workers stay up and quiet, then drain the backlog."""
    outcome = Outcome(f"Redis down {outage_s:g} s mid-run")
    expected = [expect(SAMPLE), *short_episodes()]
    async with Cluster(root) as cluster:
        worker = await cluster.start("pipeline")
        await cluster.publish([e.event for e in expected])
        await wait_for(lambda: _mid_run(cluster.client), RUN_S, 0.01, cluster.progress)
        lines, cpu = worker.log_lines(), worker.cpu_seconds()
        await asyncio.to_thread(cluster.redis.stop)
        alive = await _watch(worker, outage_s)
        log_rate = (worker.log_lines() - lines) / outage_s
        cpu_share = (worker.cpu_seconds() - cpu) / outage_s
        backlog_left = await _backlog_after(cluster)
        count = await settle(cluster, expected, RUN_S)
    complete = outcome.counted(count)
    quiet = log_rate <= MAX_LOG_LINES_PER_S and cpu_share <= MAX_CPU_SHARE
    outcome.fault(
        alive and quiet and complete,
        f"down {outage_s:g} s: alive {alive}, {log_rate:.2f} log lines/s, "
        f"{cpu_share:.0%} of a core; backlog at restart {backlog_left}; {count}",
    )
    return outcome


async def _backlog_after(cluster: Cluster) -> int:
    """Start Redis again; what the workers still had to do at that moment."""
    await asyncio.to_thread(cluster.redis.start)
    for _ in range(3):
        try:
            return await cluster.backlog()
        except RedisError:  # the harness's own connection died with the old server
            continue
    return -1


async def webhook_down(root: Path) -> Outcome:
    """The webhook receiver refuses its first POSTs (503); each story is retried, then posted
    once.

    The outage is counted in POSTs, by the receiver, not in seconds: however fast or slow the
    notifier goes, it gets `REFUSALS` failures, well short of giving up on a delivery or
    disabling the endpoint.
    """
    outcome = Outcome("webhook receiver down, then back")
    expected = short_episodes()
    receiver = DownReceiver(REFUSALS)
    async with Cluster(root, WEBHOOK_DOWN_ENV, receiver) as cluster:
        await cluster.start("pipeline")
        await cluster.publish([e.event for e in expected])
        count = await settle(cluster, expected, RUN_S)
        failures = await cluster.failed_delivery_attempts()
    complete = outcome.counted(count)
    outcome.fault(
        receiver.refused == REFUSALS and complete,
        f"{receiver.refused} POSTs refused ({failures} failed attempts in the outbox), "
        f"then {count}",
    )
    return outcome


async def duplicates(root: Path) -> Outcome:
    """Every episode published twice to two replicas; then every stage's stream replayed."""
    outcome = Outcome("duplicate events at every stage")
    expected = short_episodes()
    async with Cluster(root) as cluster:
        replicas = [cluster.spawn(f"replica-{n}") for n in (1, 2)]
        await cluster.ready(*replicas)
        first = [e.event for e in expected]
        # Same episodes again: once with fresh event ids (a re-ingest), once verbatim (a retry).
        again = [e.model_copy(update={"event_id": e.event_id + "-again"}) for e in first]
        await cluster.publish(first + again + first)
        count = await settle(cluster, expected, RUN_S)
        outcome.fault(outcome.counted(count), f"each episode published 3 times: {count}")
        # Last stage first: each copy then flows through the stages already replayed once.
        for stream in reversed(dict.fromkeys(event.stream for event in CONSUMES.values())):
            copied = await _copy_stream(cluster.client, stream)
            count = await settle(cluster, expected, RUN_S)
            outcome.fault(outcome.counted(count), f"{copied} entries of {stream} again: {count}")
    return outcome


async def _copy_stream(client: Redis, stream: str) -> int:
    """Append a verbatim copy of every entry a stream holds (what a replaying producer does)."""
    rows: list[tuple[bytes, dict[bytes, bytes]]] = await client.xrange(stream)  # type: ignore[assignment]
    for _id, fields in rows:
        await client.xadd(stream, fields)  # type: ignore[arg-type]
    return len(rows)
