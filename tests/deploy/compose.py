"""docker-compose.yml as compose resolves it, its commands as the CLI parses them, every setting."""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import typer
import yaml
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings
from typer.main import get_command

import services
import services.cli.main
from services.api.app import create_app
from services.cli.app import app
from services.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
DOCKERFILE = "deploy/Dockerfile"
INSTALL_HINT = "compose validation needs Debian's docker-compose: apt-get install -y docker-compose"


def compose_config(
    file: Path = COMPOSE_FILE, shell: dict[str, str] | None = None
) -> dict[str, Any]:
    """`docker-compose config`: validated against compose's schema, anchors, env files and
    ${VARS} resolved from `shell` only (no NEWSDESK_* from this process, no .env file)."""
    exe = shutil.which("docker-compose")
    assert exe, INSTALL_HINT
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "COMPOSE_"))}
    env.update(shell or {})
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        result = subprocess.run(
            [exe, "--project-directory", str(file.parent), "--env-file", empty.name,
             "-f", str(file), "config"],
            capture_output=True, text=True, env=env, check=False, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def newsdesk_services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built from our image (not Redis, not PostgreSQL)."""
    return {
        name: service
        for name, service in config["services"].items()
        if service.get("build", {}).get("dockerfile") == DOCKERFILE
    }


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target path → source (a volume name or a host path), from either volume syntax."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):  # docker-compose 1.x prints "source:target[:mode]"
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        found[target] = source
    return found


def parse_command(args: list[str]) -> dict[str, Any]:
    """Parse `newsdesk ARGS...` (or `newsdesk-health ARGS...`, the probes' short cut to
    `newsdesk health`) as the CLI would, without running it; raises on a bad command."""
    if args and args[0] == "newsdesk-health":
        assert console_scripts()["newsdesk-health"] == "services.cli.health:main"
        args = ["newsdesk", "health", *args[1:]]
    assert args and args[0] == "newsdesk", f"not a newsdesk command: {args}"
    command = get_command(app)
    ctx = typer.Context(command, info_name="newsdesk")
    rest = args[1:]
    while hasattr(command, "get_command"):  # a group: descend into the named sub-command
        assert rest, f"{args}: a group needs a sub-command"
        if rest[0].startswith("-"):  # the group's own option, such as --help
            assert rest[0] in {o for p in command.get_params(ctx) for o in p.opts}, args
            return {}
        sub = command.get_command(ctx, rest[0])
        if sub is None:
            raise typer.BadParameter(f"no such command {rest[0]!r} in {args}")
        ctx = typer.Context(sub, info_name=rest[0], parent=ctx)
        command, rest = sub, rest[1:]
    command.parse_args(ctx, list(rest))
    return dict(ctx.params)


def api_paths() -> set[str]:
    """The routes `newsdesk api` serves."""
    api = create_app(Settings(database_url="sqlite+aiosqlite://"))
    return {route.path for route in api.routes if isinstance(route, APIRoute)}


def console_scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(project["scripts"])


def settings_fields() -> dict[str, tuple[type[BaseSettings], str, FieldInfo]]:
    """Every setting of every settings class under `services`, by environment variable name.

    Every module is imported first, so a new settings class or field is seen without
    being listed anywhere."""
    for module in pkgutil.walk_packages(services.__path__, "services."):
        importlib.import_module(module.name)
    fields = {}
    for cls in _subclasses(BaseSettings):
        if not cls.__module__.startswith("services."):
            continue
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            fields[f"{prefix}{name}".upper()] = (cls, name, field)
    return fields


def _subclasses(cls: type[BaseSettings]) -> list[type[BaseSettings]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def env_file_values(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as compose reads an env_file (no quotes, # comments)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values
