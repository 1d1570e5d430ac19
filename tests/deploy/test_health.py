"""`newsdesk health` / `newsdesk-health`: exit 0 only when everything asked about answers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

HEALTH = str(Path(sys.executable).parent / "newsdesk-health")


@pytest.fixture
def http_url(tmp_path: Path) -> Iterator[str]:
    """A loopback server that answers GET / with 200 (a directory listing) and 404 else."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def health(*args: str, **env: str) -> tuple[int, list[dict[str, object]]]:
    clean = {"PATH": "/usr/bin:/bin", "NEWSDESK_LOG_FORMAT": "json", **env}
    out = subprocess.run(
        [HEALTH, "--json", "--timeout", "2", *args],
        env=clean, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return out.returncode, json.loads(out.stdout)


def test_healthy_when_redis_the_database_and_the_url_answer(
    redis_url: str, tmp_path: Path, http_url: str
) -> None:
    code, checks = health(
        "--database", "--url", f"{http_url}/",
        NEWSDESK_REDIS_URL=redis_url, NEWSDESK_DATA_DIR=str(tmp_path),
    )  # fmt: skip
    assert code == 0
    assert [(c["name"], c["ok"]) for c in checks] == [
        ("redis", True), ("database", True), (f"{http_url}/", True)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "failing"),
    [
        ([], {"NEWSDESK_REDIS_URL": ""}, "NEWSDESK_REDIS_URL is not set"),
        ([], {"NEWSDESK_REDIS_URL": "redis://127.0.0.1:1/0"}, "ConnectionError"),
        (["--database"], {"NEWSDESK_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}, "Error"),
        (["--url", "HTTP/missing"], {}, "404"),
    ],
)
def test_unhealthy_with_the_reason_when_one_does_not_answer(
    redis_url: str, http_url: str, args: list[str], env: dict[str, str], failing: str
) -> None:
    args = [a.replace("HTTP", http_url) for a in args]
    code, checks = health(*args, **{"NEWSDESK_REDIS_URL": redis_url, **env})
    assert code == 1
    bad = [c for c in checks if not c["ok"]]
    assert len(bad) == 1 and failing in str(bad[0]["detail"])


def test_newsdesk_health_is_the_same_command(redis_url: str) -> None:
    out = subprocess.run(
        [str(Path(HEALTH).with_name("newsdesk")), "health", "--json"],
        env={"PATH": "/usr/bin:/bin", "NEWSDESK_REDIS_URL": redis_url},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0
    assert [c["name"] for c in json.loads(out.stdout)] == ["redis"]
