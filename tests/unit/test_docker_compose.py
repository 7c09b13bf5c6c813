"""docker-compose.yaml: Docker cannot run here, so check what can be checked without it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                    "airflow-dag-processor": "dag-processor", "airflow-worker": "celery worker",
                    "airflow-triggerer": "triggerer", "airflow-init": None}
REQUIRED_AIRFLOW_ENV = ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                        "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND",
                        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__API_AUTH__JWT_SECRET",
                        "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW_CONN_HEALER_DB")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def service_env(service: dict) -> dict:
    """What a service's processes see: its env_file, then its `environment` (which wins)."""
    from healer_ops.cluster import read_env_file

    files = service.get("env_file") or []
    env: dict = {}
    for name in [files] if isinstance(files, str) else files:
        env |= read_env_file(ROOT / name)
    return env | (service.get("environment") or {})


def _host(url: str) -> str:
    return re.match(r"^[\w+]+://(?:[^@/]*@)?([^:/]+)", url).group(1)


def test_has_the_official_celery_layout(compose):
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "healer-db"} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        if command:
            assert services[name]["command"] == command, name


def test_every_airflow_service_has_what_it_needs(compose):
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        service = services[name]
        env = service_env(service)
        missing = [key for key in REQUIRED_AIRFLOW_ENV if key not in env]
        assert not missing, f"{name} lacks {missing}"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        for url_key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
                        "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW_CONN_HEALER_DB",
                        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"):
            host = _host(env[url_key])
            assert host in services, f"{name}: {url_key} points at unknown service {host!r}"
        assert service["build"]["context"] == "."
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        if name not in ("airflow-init",):
            assert "healthcheck" in service, f"{name} needs a healthcheck"
    for name in ("postgres", "healer-db", "redis"):
        assert "healthcheck" in services[name], name
    assert "8080:8080" in services["airflow-apiserver"]["ports"]


def test_every_path_and_build_context_exists(compose):
    named_volumes = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = ROOT / build["context"]
            assert context.is_dir(), f"{name}: build context {context} missing"
            assert (context / build.get("dockerfile", "Dockerfile")).is_file()
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: volume source {source} missing"
            else:
                assert source in named_volumes, f"{name}: undeclared volume {source}"


def test_dockerfile_copies_only_what_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+-python3\.11", dockerfile, re.M)
    for line in dockerfile.splitlines():
        if line.startswith("COPY"):
            sources = [part for part in line.split()[1:-1] if not part.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert "requirements.txt" in dockerfile and "pip install" in dockerfile


def test_init_migrates_both_databases(compose):
    script = " ".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in script and "healer-ops db migrate" in script


def test_compose_and_the_local_cluster_share_one_env_file(compose):
    from healer_ops.cluster import read_env_file
    from healer_ops.cluster.config import ENV_FILE, OWNED_KEYS

    assert ENV_FILE == ROOT / "cluster.env"
    for name in AIRFLOW_SERVICES:
        assert compose["services"][name]["env_file"] == "cluster.env", name
    shared = read_env_file(ENV_FILE)
    assert shared["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    # endpoints and secrets are each side's own: compose's host names, the cluster's options
    assert not set(shared) & set(OWNED_KEYS)
    assert not [k for k in shared if "PASSWORD" in k or "SECRET" in k or "KEY" in k]
    # nothing compose sets itself repeats a shared setting (one place to change each)
    env = compose["services"]["airflow-worker"]["environment"]
    assert not set(shared) & set(env)


def test_no_healer_command_needs_its_own_database_variable(compose):
    """The init's `healer-ops db migrate` reads AIRFLOW_CONN_HEALER_DB, as tasks do."""
    for name in AIRFLOW_SERVICES:
        assert "HEALER_DATABASE_URL" not in service_env(compose["services"][name]), name


def test_the_celery_provider_is_pinned():
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split()
                if "==" in line)
    for package in ("apache-airflow-providers-celery", "celery", "kombu", "redis"):
        assert package in pins, f"{package} is not pinned in requirements.txt"
