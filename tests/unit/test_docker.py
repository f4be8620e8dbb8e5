"""docker/: the production image and compose file say what they must (no engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.cli import main
from hub.settings import Settings

DOCKER = Path(__file__).resolve().parents[2] / "docker"
SETTINGS = {f"RONGHUB_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    return dict(env) if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def test_compose_has_the_production_services(compose: dict[str, Any]) -> None:
    assert {
        "hub-api",
        "hub-worker",
        "mongo1",
        "mongo2",
        "mongo3",
        "mongo-init",
        "meilisearch",
        "minio",
        "minio-init",
    } <= set(compose["services"])


@pytest.mark.parametrize("name", ["hub-api", "hub-worker"])
def test_hub_services_get_the_settings_for_real_servers(compose: dict[str, Any], name: str) -> None:
    env = _env(compose["services"][name])
    assert "replicaSet=rs0" in env["RONGHUB_MONGODB_URI"]
    assert all(f"mongo{i}:27017" in env["RONGHUB_MONGODB_URI"] for i in (1, 2, 3))
    assert env["RONGHUB_MEILI_URL"].startswith("http://meilisearch:")
    assert env["RONGHUB_MEILI_KEY"] and env["RONGHUB_S3_ENDPOINT"].startswith("http://minio:")
    for key in (
        "RONGHUB_S3_BUCKET",
        "RONGHUB_S3_ACCESS_KEY",
        "RONGHUB_S3_SECRET_KEY",
        "RONGHUB_S3_REGION",
    ):
        assert env[key]
    assert env["RONGHUB_ENV"] == "production"
    unknown = sorted(k for k in env if k.startswith("RONGHUB_") and k not in SETTINGS)
    assert unknown == [], f"not settings of the hub: {unknown}"


def test_the_api_requires_a_metrics_token_and_keeps_introspection_off(
    compose: dict[str, Any],
) -> None:
    env = _env(compose["services"]["hub-api"])
    assert env["RONGHUB_METRICS_TOKEN"].startswith("${RONGHUB_METRICS_TOKEN:?")
    assert "RONGHUB_GRAPHQL_INTROSPECTION" not in env
    assert "RONGHUB_METRICS_TOKEN=" in (DOCKER / ".env.example").read_text()


def test_api_is_health_checked_on_readyz_and_waits_for_its_servers(compose: dict[str, Any]) -> None:
    api = compose["services"]["hub-api"]
    assert api["command"] == ["ronghub", "serve"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert api["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
    assert api["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert api["depends_on"]["meilisearch"]["condition"] == "service_healthy"


def test_worker_runs_a_command_the_cli_has(compose: dict[str, Any]) -> None:
    command = compose["services"]["hub-worker"]["command"]
    assert command[:1] == ["ronghub"] and command[1] in main.commands


def test_replica_set_is_initiated_with_all_three_members(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for i in (1, 2, 3):
        assert "--replSet" in services[f"mongo{i}"]["command"]
        assert "healthcheck" in services[f"mongo{i}"]
    script = " ".join(services["mongo-init"]["command"])
    assert "rs.initiate" in script
    assert all(f'"mongo{i}:27017"' in script for i in (1, 2, 3))
    assert all(
        services["mongo-init"]["depends_on"][f"mongo{i}"]["condition"] == "service_healthy"
        for i in (1, 2, 3)
    )


def test_meilisearch_has_a_master_key_and_minio_a_bucket_job(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert _env(services["meilisearch"])["MEILI_MASTER_KEY"]
    assert "mc mb" in " ".join(services["minio-init"]["command"])
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_every_secret_the_compose_file_needs_is_in_the_example_env(compose: dict[str, Any]) -> None:
    text = (DOCKER / "compose.yaml").read_text()
    needed = set(re.findall(r"\$\{([A-Z0-9_]+)(?::?[-?])", text))
    example = {
        line.split("=", 1)[0]
        for line in (DOCKER / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert needed <= example, sorted(needed - example)


def test_image_is_python_311_slim_non_root_and_serves() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.findall(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "pip install ./sdk" in dockerfile and "pip install ." in dockerfile
    assert 'CMD ["ronghub", "serve"]' in dockerfile
    assert "/readyz" in dockerfile
