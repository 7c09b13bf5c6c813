"""The local cluster's configuration: the shared env file, what the cluster owns, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from healer_ops.cluster import ClusterSpec, cluster_environment, read_env_file
from healer_ops.cluster.config import ENV_FILE, sqlalchemy_url, worker_environment

KEYS = {"jwt_secret": "j", "api_secret_key": "a", "fernet_key": "f", "admin_password": "p"}


def test_the_shared_file_then_the_callers_environment_then_what_the_cluster_owns(tmp_path):
    env_file = tmp_path / "cluster.env"
    env_file.write_text("# comment\nHEALER_ANALYZER=local\nAIRFLOW__CELERY__WORKER_CONCURRENCY=4\n"
                        "AIRFLOW_HOME=/elsewhere\n")
    spec = ClusterSpec(home=tmp_path / "c", env_file=env_file, queue="q1", api_port=18080,
                       extra_env={"HEALER_PROBE_SHARD_SIZE": "10"})
    env = cluster_environment(spec, KEYS, base={
        "HEALER_ANALYZER": "openai", "PATH": "/usr/bin",
        "HEALER_DATABASE_URL": "postgresql://x@y/z", "AIRFLOW__CORE__HOSTNAME_CALLABLE": "a.b"})
    assert env["HEALER_ANALYZER"] == "openai"  # the caller's environment wins over the file
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "4"
    assert env["AIRFLOW_HOME"] == str(tmp_path / "c" / "airflow")  # the cluster owns it
    assert env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "q1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "f" and env["HEALER_PROBE_SHARD_SIZE"] == "10"
    assert "HEALER_DATABASE_URL" not in env  # tasks and commands read AIRFLOW_CONN_HEALER_DB
    assert '"schema": "healer"' in env["AIRFLOW_CONN_HEALER_DB"]
    assert "AIRFLOW__CORE__HOSTNAME_CALLABLE" not in env
    worker = worker_environment(env, "worker-2")
    assert worker["HEALER_CLUSTER_NODE"] == "worker-2"
    assert worker["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "healer_ops.cluster.node.hostname"


def test_the_metadata_url_as_sqlalchemy_and_celery_want_it():
    url = "postgresql://postgres@127.0.0.1:5432/healer_airflow"
    assert sqlalchemy_url(url) == "postgresql+psycopg2://postgres@127.0.0.1:5432/healer_airflow"
    assert sqlalchemy_url(url, "db+").startswith("db+postgresql+psycopg2://postgres@")


def test_bad_specs_and_env_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="broker_url must be a redis"):
        ClusterSpec(home=tmp_path, broker_url="amqp://guest@127.0.0.1//")
    with pytest.raises(ValueError, match="at least one worker"):
        ClusterSpec(home=tmp_path, workers=0)
    with pytest.raises(FileNotFoundError, match="cluster env file"):
        read_env_file(tmp_path / "missing.env")
    bad = tmp_path / "bad.env"
    bad.write_text("AIRFLOW__CORE__EXECUTOR\n")
    with pytest.raises(ValueError, match="AIRFLOW__CORE__EXECUTOR without a value"):
        read_env_file(bad)


def test_the_spec_survives_the_state_file(tmp_path):
    spec = ClusterSpec(home=tmp_path, workers=3, extra_env={"A": "1"})
    assert ClusterSpec.from_dict(spec.as_dict()) == spec
    assert Path(spec.as_dict()["env_file"]) == ENV_FILE


def test_a_cluster_without_its_broker_fails_at_once_naming_it(tmp_path):
    import socket

    from healer_ops.cluster import cluster_up
    from healer_ops.cluster.supervisor import ClusterError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = ClusterSpec(home=tmp_path / "c", broker_url=f"redis://127.0.0.1:{port}/0")
    with pytest.raises(ClusterError, match=f"broker redis://127.0.0.1:{port}/0 does not answer"):
        cluster_up(spec, log_progress=lambda _: None)
    assert not (tmp_path / "c").exists()  # nothing started, nothing written
