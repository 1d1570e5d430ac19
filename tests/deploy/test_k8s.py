"""deploy/k8s renders, its resources are valid Kubernetes, and it matches the code: a
Deployment per worker, KEDA scaling on the streams and groups the workers really consume."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.cli.stages import STAGES
from services.runtime.settings import Settings
from tests.deploy.compose import ROOT, api_paths, parse_command, settings_fields

BASE = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.29"  # oldest release still in wide use; its schema is the strictest
Resource = dict[str, Any]


def render() -> list[Resource]:
    """`kubectl kustomize` (or `kustomize build`) where installed; else the listed files as is."""
    if kubectl := shutil.which("kubectl"):
        command = [kubectl, "kustomize", str(BASE)]
    elif kustomize := shutil.which("kustomize"):
        command = [kustomize, "build", str(BASE)]
    else:
        listed = yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
        return [doc for name in listed for doc in yaml.safe_load_all((BASE / name).read_text())]
    out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    return list(yaml.safe_load_all(out.stdout))


@pytest.fixture(scope="module")
def resources() -> list[Resource]:
    return render()


def of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def container(deployment: Resource) -> Resource:
    containers: list[Resource] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def check_probe(probe: Resource | None, spec: Resource) -> None:
    """An exec probe runs a real command; an HTTP probe asks the API for a route it has."""
    if probe is None:
        return
    if "exec" in probe:
        parse_command(probe["exec"]["command"])
        return
    assert probe["httpGet"]["port"] in {p["name"] for p in spec["ports"]}
    assert probe["httpGet"]["path"] in api_paths()


def consumed(tmp_path: Path) -> set[tuple[str, str, str]]:
    """(worker, stream, group) for every stage, read off the stages the code builds."""
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/db", embeddings=False
    )
    stages = [factory(settings, "redis://127.0.0.1:1/0") for factory in STAGES.values()]
    return {(s.name, e.stream, s.group) for s in stages for e in s.consumes}


def test_builtin_resources_are_valid_kubernetes(resources: list[Resource]) -> None:
    builtin = [r for r in resources if r["apiVersion"] in ("v1", "apps/v1")]
    assert {r["kind"] for r in builtin} == {"ConfigMap", "Secret", "Deployment", "Service"}
    for resource in builtin:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_every_worker_has_a_deployment_running_its_command(resources: list[Resource]) -> None:
    deployments = of_kind(resources, "Deployment")
    for worker in STAGES:
        spec = container(deployments[f"newsdesk-{worker}"])
        assert spec["command"] == ["newsdesk", "worker", worker]
    api = container(deployments["newsdesk-api"])
    assert parse_command(api["command"])["port"] == api["ports"][0]["containerPort"]


def test_every_pod_has_settings_probes_requests_and_runs_as_non_root(
    resources: list[Resource],
) -> None:
    config = of_kind(resources, "ConfigMap")
    secrets = of_kind(resources, "Secret")
    for name, deployment in of_kind(resources, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        spec = container(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert {"cpu", "memory"} <= set(spec["resources"]["requests"]), name
        assert "memory" in spec["resources"]["limits"], name
        for probe in (spec["readinessProbe"], spec.get("livenessProbe")):
            check_probe(probe, spec)
        for source in spec["envFrom"]:
            ref = source.get("configMapRef") or source["secretRef"]
            assert ref["name"] in config or ref["name"] in secrets, name


def test_every_newsdesk_variable_is_a_real_setting(resources: list[Resource]) -> None:
    fields = settings_fields()
    names = [k for r in of_kind(resources, "ConfigMap").values() for k in r["data"]]
    names += [k for r in of_kind(resources, "Secret").values() for k in r["stringData"]]
    names += [
        e["name"]
        for d in of_kind(resources, "Deployment").values()
        for e in container(d).get("env", [])
    ]
    unknown = sorted(n for n in names if n.startswith("NEWSDESK_") and n not in fields)
    assert unknown == []


def test_the_api_service_selects_the_api_pods(resources: list[Resource]) -> None:
    service = of_kind(resources, "Service")["newsdesk-api"]
    api = of_kind(resources, "Deployment")["newsdesk-api"]
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {p["name"] for p in container(api)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_keda_scales_each_worker_on_the_streams_and_groups_it_consumes(
    resources: list[Resource], tmp_path: Path
) -> None:
    deployments = of_kind(resources, "Deployment")
    config = next(iter(of_kind(resources, "ConfigMap").values()))["data"]
    scaled = set()
    for name, obj in of_kind(resources, "ScaledObject").items():
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        target = obj["spec"]["scaleTargetRef"]["name"]
        worker = container(deployments[target])["command"][2]
        assert 1 <= obj["spec"]["minReplicaCount"] <= obj["spec"]["maxReplicaCount"], name
        for trigger in obj["spec"]["triggers"]:
            meta = trigger["metadata"]
            assert trigger["type"] == "redis-streams"
            assert int(meta["pendingEntriesCount"]) > 0
            assert ":" in config[meta["addressFromEnv"]]  # KEDA wants host:port, not a URL
            scaled.add((worker, meta["stream"], meta["consumerGroup"]))
    assert scaled == consumed(tmp_path)
