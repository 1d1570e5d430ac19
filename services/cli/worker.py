"""`newsdesk worker`: one or more stages in this process, until stopped.

Kept apart from the other commands, and light to import: `services.cli.main` loads only this
module for `newsdesk worker ...` (see there).
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from services.cli.app import app
from services.cli.runtime import load_settings, redis_for
from services.cli.stages import STAGES, build_stages
from services.runtime.host import StageHost
from services.runtime.settings import Settings


async def until_stopped() -> None:
    """Returns on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _worker(settings: Settings, names: list[str]) -> int:
    async with (
        redis_for(settings) as url,
        StageHost(build_stages(settings, url, names), settings, url),
    ):
        await until_stopped()
    return 0


@app.command()
def worker(
    names: Annotated[list[str], typer.Argument(help=f"One or more of: {', '.join(STAGES)}.")],
) -> None:
    """Run one worker (or several) until stopped; scale out by starting more."""
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise typer.BadParameter(f"unknown worker(s) {unknown}; choose from {list(STAGES)}")
    raise typer.Exit(asyncio.run(_worker(load_settings(), names)))
