"""A scratch local cluster for tests and benchmarks: its own metadata and Healer databases
on a given PostgreSQL server, its own Celery queue on a given Redis, its own home; stopped,
and its databases and queue dropped, however the block ends."""

from __future__ import annotations

import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from healer_ops import db

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class ScratchCluster:
    spec: object  # healer_ops.cluster.ClusterSpec
    client: object  # healer_ops.cluster.rest.AirflowClient
    healer_url: str
    timings: dict[str, float] = field(default_factory=dict)


def services_missing(pg_url: str, redis_url: str) -> str | None:
    """Why a cluster cannot run here (None: PostgreSQL and Redis both answer)."""
    import psycopg
    import redis

    try:
        with psycopg.connect(pg_url, connect_timeout=3) as conn:
            if not conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles"
                                " WHERE rolname = current_user").fetchone()[0]:
                return f"the PostgreSQL user of {pg_url} may not create databases"
    except psycopg.Error as exc:
        return f"no PostgreSQL at {pg_url} ({type(exc).__name__})"
    try:
        redis.Redis.from_url(redis_url, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return f"no Redis at {redis_url} ({type(exc).__name__})"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_cluster(home: Path, *, pg_url: str = DEFAULT_PG_URL,
                    redis_url: str = DEFAULT_REDIS_URL, workers: int = 2, concurrency: int = 2,
                    extra_env: dict[str, str] | None = None, timeout_s: float = 300):
    """Start a cluster with no scheduled runs (only what the caller triggers or backfills);
    yield a ScratchCluster; stop it and drop what it made."""
    import redis

    from healer_ops.cluster import ClusterSpec, cluster_down, cluster_up
    from healer_ops.cluster.config import ADMIN_USER
    from healer_ops.cluster.rest import AirflowClient

    name = f"hsc_{uuid.uuid4().hex[:10]}"
    databases = [f"{name}_airflow", f"{name}_healer"]
    spec = ClusterSpec(home=Path(home), metadata_url=db.with_database(pg_url, databases[0]),
                       broker_url=redis_url, healer_url=db.with_database(pg_url, databases[1]),
                       workers=workers, concurrency=concurrency, api_port=free_port(),
                       queue=name, extra_env={"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                                              **(extra_env or {})})
    scratch = None
    try:
        began = time.perf_counter()
        state = cluster_up(spec, timeout_s=timeout_s, log_progress=lambda _: None)
        client = AirflowClient(spec.api_url, ADMIN_USER, state["secrets"]["admin_password"])
        scratch = ScratchCluster(spec, client, spec.healer_url,
                                 {"up_s": round(time.perf_counter() - began, 1)})
        yield scratch
    finally:
        began = time.perf_counter()
        cluster_down(spec.home)
        if scratch is not None:
            scratch.client.close()
            scratch.timings["down_s"] = round(time.perf_counter() - began, 1)
        for dbname in databases:
            db.drop_database(pg_url, dbname)
        redis.Redis.from_url(redis_url).delete(spec.queue, f"_kombu.binding.{spec.queue}")


def wait_for_dags(client, dag_ids: set[str], timeout_s: float = 180) -> None:
    """Until the dag-processor has parsed every one of `dag_ids` into the metadata DB."""
    deadline = time.monotonic() + timeout_s
    while not dag_ids <= set(client.dag_ids()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"DAGs not parsed after {timeout_s:.0f} s: "
                               f"{sorted(dag_ids - set(client.dag_ids()))}")
        time.sleep(1)


def wait_for_backfill(client, dag_id: str, runs: int, timeout_s: float) -> list[dict]:
    """Until the DAG has `runs` backfill runs, all finished; those runs."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = client.dag_runs(dag_id, run_type="backfill")
        if len(found) >= runs and all(r["state"] in ("success", "failed") for r in found):
            return found
        if time.monotonic() > deadline:
            states = [r["state"] for r in found]
            raise TimeoutError(f"{dag_id} backfill: {len(found)} of {runs} runs, {states}")
        time.sleep(2)
