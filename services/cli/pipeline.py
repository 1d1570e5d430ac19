"""`newsdesk demo`, `run` and `ingest`: the whole pipeline in one process, or queued files."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from redis.asyncio import Redis
from rich.console import Console

from services.cli import report
from services.cli.app import app
from services.cli.receiver import WebhookReceiver
from services.cli.runtime import load_settings, redis_for, wait_until_idle
from services.cli.sources import SAMPLE, discovered_from_file, publish_events
from services.cli.stages import build_stages
from services.cli.worker import until_stopped
from services.runtime.host import StageHost
from services.runtime.settings import Settings
from services.storage.db import create_engine, migrate, sessions
from services.storage.outbox import Outbox

console = Console(stderr=True)


async def _drain(host: StageHost, redis_url: str) -> None:
    groups = [(e.stream, s.group) for s in host.stages for e in s.consumes]
    client = Redis.from_url(redis_url)
    try:
        with console.status("processing…") as status:
            await wait_until_idle(
                client,
                groups,
                on_tick=lambda n: status.update(f"processing… {n} events left"),
                busy=host.busy,
            )
    finally:
        await client.aclose()


async def _demo(settings: Settings, keep_running: bool) -> int:
    receiver = WebhookReceiver().start()
    try:
        engine = create_engine(settings.effective_database_url)
        await migrate(engine)
        # A named subscription: a second demo finds its deliveries done and sends nothing.
        await Outbox(sessions(engine)).upsert_webhook("demo-receiver", receiver.url)
        await engine.dispose()
        async with (
            redis_for(settings) as url,
            StageHost(build_stages(settings, url), settings, url) as host,
        ):
            event = discovered_from_file(SAMPLE)
            await publish_events(url, settings, [event])
            await _drain(host, url)
            await report.print_episode(settings, event.episode.episode_id)
            report.print_received(receiver.snapshot())
            if keep_running:
                console.print(f"[bold]running[/]: Redis at {url}; Ctrl-C to stop")
                await until_stopped()
    finally:
        receiver.stop()
    return 0


@app.command()
def demo(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Stay up after the sample is processed.")
    ] = False,
) -> None:
    """Run every worker in one process on the bundled sample episode and show the result.

    Starts an embedded Redis (data under ./data/) and SQLite unless NEWSDESK_REDIS_URL /
    NEWSDESK_DATABASE_URL are set, delivers each story to a webhook receiver on loopback,
    prints the episode's segments and the deliveries, and exits.
    """
    # The demo's receiver listens on loopback, which the SSRF guard refuses by default; and
    # a line per handled message would bury the tables unless asked for.
    quiet = {} if "NEWSDESK_LOG_LEVEL" in os.environ else {"log_level": "WARNING"}
    settings = load_settings(allow_private_urls=True, **quiet)
    raise typer.Exit(asyncio.run(_demo(settings, keep_running)))


async def _run(settings: Settings, files: list[Path], until_idle: bool) -> int:
    events = [discovered_from_file(f) for f in files]
    async with (
        redis_for(settings) as url,
        StageHost(build_stages(settings, url), settings, url) as host,
    ):
        await publish_events(url, settings, events)
        if until_idle:
            await _drain(host, url)
        else:
            await until_stopped()
    for event in events:
        await report.print_episode(settings, event.episode.episode_id)
    return 0


@app.command()
def run(
    files: Annotated[list[Path] | None, typer.Argument(help="Transcript files to ingest.")] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Exit once every stream is drained.")
    ] = False,
) -> None:
    """Run every worker in one process for the configured feeds and any files given."""
    raise typer.Exit(asyncio.run(_run(load_settings(), files or [], until_idle)))


@app.command()
def ingest(files: Annotated[list[Path], typer.Argument(help="Transcript files to queue.")]) -> None:
    """Queue transcript files for workers running elsewhere (needs NEWSDESK_REDIS_URL)."""
    settings = load_settings()
    if not settings.redis_url:
        raise typer.BadParameter("set NEWSDESK_REDIS_URL to the Redis your workers use")
    events = [discovered_from_file(f) for f in files]
    asyncio.run(publish_events(settings.redis_url, settings, events))
    for event in events:
        console.print(f"queued {event.episode.source} as episode {event.episode.episode_id}")
