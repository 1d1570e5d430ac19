"""Compose without Docker: every service of docker-compose.yml started as a local process with
the environment compose would give it (its hosts and volumes mapped to this machine), the
sample episode queued with `newsdesk ingest`, then stories in the store and at a webhook."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from services.cli.receiver import WebhookReceiver
from services.cli.sources import SAMPLE, discovered_from_file
from services.runtime.settings import Settings
from services.storage.db import create_engine, sessions
from services.storage.models import SegmentRow
from services.storage.repository import StoryRepository
from tests.deploy.compose import compose_config, mounts, newsdesk_services

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIN = Path(sys.executable).parent
DEADLINE_S = 60
# Services that write migrate the database at start-up; two at once on a fresh one may
# collide and one exits, to be restarted by compose (`restart: unless-stopped`).
MAX_RESTARTS = 2
IMAGE_PROBE = ["CMD", "newsdesk-health"]  # deploy/Dockerfile's HEALTHCHECK (checked there)
Service = dict[str, Any]


@dataclass
class Host:
    """What compose's network, ports and volumes become on this machine."""

    redis_url: str
    volumes: Path
    extra: dict[str, str]
    ports: dict[int, int] = field(default_factory=dict)

    def env(self, service: Service) -> dict[str, str]:
        """The service's environment as it reads here, plus the run's extra settings."""
        volumes = {target: self.volumes / source for target, source in mounts(service).items()}
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        for key, value in service.get("environment", {}).items():
            env[key] = str(volumes.get(str(value), self.local(str(value))))
        return env | self.extra

    def argv(self, command: list[str]) -> list[str]:
        """`newsdesk ...` from this venv, its addresses and ports as they are here."""
        argv = [str(BIN / command[0])]
        for before, arg in pairwise(command):
            argv.append(str(self.port(int(arg))) if before == "--port" else self.local(arg))
        return argv

    def local(self, value: str) -> str:
        """Compose's host names and container ports mapped to loopback."""
        if value == "0.0.0.0":
            return "127.0.0.1"
        url = urlsplit(value)
        if url.hostname == "redis":
            return self.redis_url
        if url.hostname == "127.0.0.1" and url.port:
            return value.replace(f":{url.port}", f":{self.port(url.port)}", 1)
        return value

    def port(self, container_port: int) -> int:
        return self.ports.setdefault(container_port, _free_port())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """The long-running services as processes, each logging to its own file."""

    services: dict[str, Service]
    host: Host
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def up(self) -> None:
        for name in self.services:
            self.start(name)

    def start(self, name: str) -> None:
        service = self.services[name]
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                self.host.argv(service["command"]), env=self.host.env(service),
                cwd=self.logs, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def supervise(self) -> None:
        """`restart: unless-stopped`: start again what exited, as compose would; a service
        that keeps exiting (a crash loop) fails the test."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                self.restarts[name] = self.restarts.get(name, 0) + 1
                assert self.services[name]["restart"] == "unless-stopped", self.tails([name])
                assert self.restarts[name] <= MAX_RESTARTS, f"crash loop:\n{self.tails([name])}"
                self.start(name)

    def stop(self) -> dict[str, int]:
        """SIGTERM, as `docker compose stop` sends; the exit codes."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        return {name: proc.wait() for name, proc in self.procs.items()}

    def wait_started(self, deadline: float) -> None:
        """As `docker compose up --wait` would: every worker has joined its consumer groups."""
        workers = [n for n, s in self.services.items() if s["command"][1] == "worker"]
        while time.monotonic() < deadline:
            self.supervise()
            if all('"stage_started"' in (self.logs / f"{n}.log").read_text() for n in workers):
                return
            time.sleep(0.2)
        raise AssertionError(f"workers not started in time:\n{self.tails(workers)}")

    def health(self) -> dict[str, str]:
        """Each service's health check, or the image's, run side by side: what failed."""
        probes = {
            name: subprocess.Popen(
                self.host.argv(service.get("healthcheck", {}).get("test", IMAGE_PROBE)[1:]),
                env=self.host.env(service),
                stdout=subprocess.PIPE,
                text=True,
            )
            for name, service in self.services.items()
        }
        outputs = {name: probe.communicate(timeout=60)[0] for name, probe in probes.items()}
        return {name: outputs[name] for name, probe in probes.items() if probe.returncode}

    def tails(self, names: Iterable[str]) -> str:
        return "\n".join(
            f"--- {n}\n" + (self.logs / f"{n}.log").read_text(errors="replace")[-3000:]
            for n in names
        )


def settings_of(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return Settings(_env_file=None)


def posted_ids(receiver: WebhookReceiver) -> list[str]:
    return [r.json()["data"]["story_id"] for r in receiver.snapshot()]


async def stored(settings: Settings, episode_id: str) -> list[SegmentRow]:
    engine = create_engine(settings.effective_database_url)
    try:
        return list(await StoryRepository(sessions(engine)).segments(episode_id=episode_id))
    finally:
        await engine.dispose()


async def test_compose_services_as_local_processes_carry_the_sample_to_store_and_webhook(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = newsdesk_services(compose_config())
    cli = services.pop("cli")
    receiver = WebhookReceiver().start()
    # What a user adds for this run: a webhook on loopback that gets every story.
    extra = {"NEWSDESK_WEBHOOK_URLS": json.dumps([receiver.url]),
             "NEWSDESK_ALLOW_PRIVATE_URLS": "true"}  # fmt: skip
    stack = Stack(services, Host(redis_url, tmp_path / "volumes", extra), tmp_path)
    settings = settings_of(stack.host.env(cli), monkeypatch)
    episode_id = discovered_from_file(SAMPLE).episode.episode_id
    deadline = time.monotonic() + DEADLINE_S
    rows: list[SegmentRow] = []
    try:
        stack.up()
        await asyncio.to_thread(stack.wait_started, deadline)
        ingest = await asyncio.to_thread(
            subprocess.run,
            stack.host.argv(["newsdesk", "ingest", str(SAMPLE)]),
            env=stack.host.env(cli), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert ingest.returncode == 0, ingest.stderr
        while time.monotonic() < deadline:
            stack.supervise()
            rows = await stored(settings, episode_id)
            stories = {r.segment_id for r in rows if r.kind == "story"}
            posted = set(posted_ids(receiver))
            if rows and len(rows) == rows[0].count and posted == stories:
                break
            await asyncio.sleep(0.5)
        assert await asyncio.to_thread(stack.health) == {}
    finally:
        exits = stack.stop()
        receiver.stop()
    logs = stack.tails(services)
    assert rows and len(rows) == rows[0].count, f"episode incomplete after {DEADLINE_S} s\n{logs}"
    story_ids = sorted(r.segment_id for r in rows if r.kind == "story")
    assert story_ids and all(r.headline for r in rows if r.kind == "story")
    assert sorted(posted_ids(receiver)) == story_ids  # each story posted once
    # Stopped cleanly on SIGTERM: exit 0, or the signal re-raised after a graceful shutdown
    # (uvicorn does; compose reports it as exit code 143).
    unclean = {n: code for n, code in exits.items() if code not in (0, -signal.SIGTERM)}
    assert unclean == {}, logs
