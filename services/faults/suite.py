"""Every fault scenario by name: `newsdesk bench faults` and tests/faults run these same ones."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from services.faults.inputs import bad_inputs
from services.faults.outcome import Outcome
from services.faults.poison import poison
from services.faults.scenarios import (
    duplicates,
    redis_down,
    redis_restarted,
    webhook_down,
    worker_killed,
)

Scenario = Callable[[Path], Awaitable[Outcome]]

SCENARIOS: dict[str, Scenario] = {
    "worker-killed": worker_killed,
    "redis-restarted": redis_restarted,
    "redis-down": redis_down,
    "poison": poison,
    "webhook-down": webhook_down,
    "duplicates": duplicates,
    "bad-inputs": bad_inputs,
}


async def run_scenario(name: str, root: Path) -> Outcome:
    """One scenario in its own directory, timed; if the rig itself breaks, that is a failure."""
    started = time.perf_counter()
    try:
        outcome = await SCENARIOS[name](root / name)
    except Exception as exc:  # reported as a fault not survived, so the bench goes on
        outcome = Outcome(name)
        outcome.fault(False, f"the scenario could not run: {exc!r}")
    outcome.seconds = time.perf_counter() - started
    return outcome
