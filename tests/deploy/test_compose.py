"""docker-compose.yml is valid, runs every worker and the API from one image, and says only
what the code understands: real commands, real settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.exceptions import TyperException

from services.cli.stages import STAGES
from tests.deploy.compose import (
    COMPOSE_FILE,
    ROOT,
    api_paths,
    compose_config,
    mounts,
    newsdesk_services,
    parse_command,
    settings_fields,
)

Config = dict[str, Any]


@pytest.fixture(scope="module")
def config() -> Config:
    return compose_config()


def test_every_worker_and_the_api_has_a_service(config: Config) -> None:
    commands = [s["command"] for s in newsdesk_services(config).values()]
    workers = sorted(name for c in commands if c[1] == "worker" for name in c[2:])
    assert workers == sorted(STAGES)  # each once: one container per worker, scaled apart
    assert any(c[1] == "api" for c in commands)


def test_every_command_and_health_check_is_a_real_newsdesk_command(config: Config) -> None:
    for service in newsdesk_services(config).values():
        params = parse_command(service["command"])
        assert set(params.get("names") or []) <= set(STAGES)
        probe = service.get("healthcheck", {}).get("test")
        if probe:
            assert probe[0] == "CMD"
            parse_command(probe[1:])


def test_a_bogus_command_is_caught_by_that_check() -> None:
    with pytest.raises(TyperException, match="nope"):
        parse_command(["newsdesk", "nope"])
    with pytest.raises(TyperException, match="--bogus"):
        parse_command(["newsdesk-health", "--bogus"])


def test_the_images_health_check_is_a_real_newsdesk_command() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    probe = re.search(r"HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])", dockerfile)
    assert probe, "deploy/Dockerfile has no HEALTHCHECK ... CMD [...]"
    parse_command(json.loads(probe.group(1)))


def test_the_api_health_check_asks_for_a_route_the_api_has(config: Config) -> None:
    api = config["services"]["api"]
    probe = api["healthcheck"]["test"]
    url = urlsplit(probe[probe.index("--url") + 1])
    assert url.path in api_paths()
    assert parse_command(api["command"])["port"] == url.port
    assert any(p["target"] == url.port for p in api["ports"])


def test_every_environment_variable_is_a_real_setting(config: Config) -> None:
    fields = settings_fields()
    for name, service in newsdesk_services(config).items():
        unknown = sorted(set(service.get("environment", {})) - set(fields))
        assert unknown == [], f"{name} sets {unknown}, which no settings class reads"


def test_every_service_s_environment_loads(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    classes = {cls for cls, _, _ in settings_fields().values()}
    for service in newsdesk_services(config).values():
        with monkeypatch.context() as env:
            for key, value in service["environment"].items():
                env.setenv(key, str(value))
            for cls in classes:
                cls(_env_file=None)


def test_redis_keeps_aof_on_in_a_volume_and_reports_its_health(config: Config) -> None:
    redis = config["services"]["redis"]
    volumes = mounts(redis)
    conf = redis["command"][-1]
    assert Path(volumes[conf]) == ROOT / "deploy" / "redis.conf"
    settings = (ROOT / "deploy" / "redis.conf").read_text()
    assert re.search(r"^appendonly yes$", settings, re.MULTILINE)
    assert re.search(r"^dir /data$", settings, re.MULTILINE)
    assert volumes["/data"] in config["volumes"]  # a named volume, kept across restarts
    assert "ping" in redis["healthcheck"]["test"]


def test_workers_restart_wait_for_a_healthy_redis_and_can_be_scaled(config: Config) -> None:
    services = newsdesk_services(config)
    assert len({s["image"] for s in services.values()}) == 1  # one image, many commands
    for name, service in services.items():
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        if name != "cli":
            assert service["restart"] == "unless-stopped", name
        # `--scale NAME=N` needs containers without fixed names or host ports.
        assert "container_name" not in service, name
        assert name == "api" or "ports" not in service, name


def test_the_store_and_everything_writing_to_it_share_one_data_volume(config: Config) -> None:
    for name, service in newsdesk_services(config).items():
        data_dir = service["environment"]["NEWSDESK_DATA_DIR"]
        assert mounts(service).get(data_dir) == "newsdesk-data", name


def test_cli_service_runs_one_off_commands_only(config: Config) -> None:
    cli = config["services"]["cli"]
    assert cli["profiles"] == ["cli"]  # not started by `up`; `docker compose run --rm cli ...`
    parse_command(["newsdesk", "stories", "list", "--json"])


def test_postgres_profile_takes_the_database_url_from_the_shell() -> None:
    url = "postgresql://newsdesk:newsdesk@postgres:5432/newsdesk"
    config = compose_config(COMPOSE_FILE, {"NEWSDESK_DATABASE_URL": url})
    assert config["services"]["postgres"]["profiles"] == ["postgres"]
    for name, service in newsdesk_services(config).items():
        assert service["environment"]["NEWSDESK_DATABASE_URL"] == url, name
