"""Start, watch and stop a local cluster's processes.

Each process runs detached in its own session (so `down` can end it with everything it
forked: Celery's pool, task supervisors, task processes), its output in `home/logs/NAME.log`.
`home/cluster.json` records the spec and every process's pid with its start time: `down`
and `status` act only on processes that are still those (a reused pid is left alone).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from healer_ops.cluster.config import (
    ADMIN_USER,
    ClusterSpec,
    cluster_environment,
    new_secrets,
    passwords_file,
    worker_environment,
    write_private,
)

log = logging.getLogger(__name__)

STATE_FILE = "cluster.json"
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")


class ClusterError(RuntimeError):
    """A cluster that cannot start, or that is not what its state file says."""


def state_path(home: Path) -> Path:
    return Path(home) / STATE_FILE


def load_state(home: Path) -> dict | None:
    path = state_path(home)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def cluster_up(spec: ClusterSpec, *, timeout_s: float = 240.0, log_progress=print) -> dict:
    """Migrate both databases, start every process, wait until all are ready; the state.

    Refuses when the home already records running processes. On any failure the processes
    started so far are stopped before the error is raised.
    """
    running = [p for p in (load_state(spec.home) or {}).get("processes", []) if _alive(p)]
    if running:
        raise ClusterError(f"a cluster already runs from {spec.home} "
                           f"({len(running)} processes): `healer-ops cluster down` first")
    _check_services(spec)
    spec.home.mkdir(parents=True, exist_ok=True)
    (spec.home / "logs").mkdir(exist_ok=True)
    keys = new_secrets()
    write_private(passwords_file(spec), {ADMIN_USER: keys["admin_password"]})
    env = cluster_environment(spec, keys)
    state = {"spec": spec.as_dict(), "secrets": keys, "processes": [],
             "started_at": time.time()}
    write_private(state_path(spec.home), state)
    try:
        _prepare_databases(spec, env, log_progress)
        for name, argv, process_env in _commands(spec, env):
            state["processes"].append(_start(spec.home, name, argv, process_env))
            write_private(state_path(spec.home), state)
        log_progress(f"started {len(state['processes'])} processes; waiting until ready")
        _wait_ready(spec, state, timeout_s)
    except BaseException:
        cluster_down(spec.home)
        raise
    log_progress(f"cluster ready: {spec.api_url} (user {ADMIN_USER}, password in "
                 f"{passwords_file(spec)})")
    return state


def _check_services(spec: ClusterSpec) -> None:
    """Fail at once, naming it, when the broker or the database server does not answer."""
    import psycopg
    import redis

    from healer_ops import db
    from healer_ops.connections import redact_url

    try:
        redis.Redis.from_url(spec.broker_url, socket_timeout=5).ping()
    except redis.RedisError as exc:
        raise ClusterError(f"the broker {redact_url(spec.broker_url)} does not answer "
                           f"({type(exc).__name__}: {exc})") from exc
    for url in {db.with_database(u, "postgres") for u in (spec.metadata_url, spec.healer_url)}:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as exc:
            raise ClusterError(f"PostgreSQL at {redact_url(url)} does not answer: "
                               f"{str(exc).strip()}") from exc


def _prepare_databases(spec: ClusterSpec, env: dict, log_progress) -> None:
    from healer_ops import db

    for url in (spec.metadata_url, spec.healer_url):
        dbname = url.rsplit("/", 1)[1].split("?")[0]
        db.ensure_database(db.with_database(url, "postgres"), dbname)
    log_progress("airflow db migrate")
    result = subprocess.run([_airflow(), "db", "migrate"], env=env, capture_output=True,
                            text=True, cwd=spec.home)
    if result.returncode:
        raise ClusterError(f"airflow db migrate failed:\n{result.stderr[-3000:]}")
    applied = db.migrate(spec.healer_url)
    log_progress(f"healer-ops db migrate: {len(applied)} migration(s) applied")


def _commands(spec: ClusterSpec, env: dict):
    airflow = _airflow()
    yield "api-server", [airflow, "api-server", "--host", "127.0.0.1",
                         "--port", str(spec.api_port), "--workers", "1"], env
    for service in SERVICES[1:]:
        yield service, [airflow, service], env
    for index in range(1, spec.workers + 1):
        node = f"worker-{index}"
        yield node, [airflow, "celery", "worker", "--celery-hostname", f"{node}@%h",
                     "--queues", spec.queue, "--concurrency", str(spec.concurrency),
                     "--skip-serve-logs", "--without-mingle", "--without-gossip"], \
            worker_environment(env, node)


def _airflow() -> str:
    return str(Path(sys.executable).parent / "airflow")


def _start(home: Path, name: str, argv: list[str], env: dict) -> dict:
    import psutil

    log_file = home / "logs" / f"{name}.log"
    with open(log_file, "ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=home, start_new_session=True)
    return {"name": name, "pid": process.pid,
            "create_time": psutil.Process(process.pid).create_time(), "log": str(log_file)}


def _wait_ready(spec: ClusterSpec, state: dict, timeout_s: float) -> None:
    from healer_ops.cluster.rest import AirflowClient

    deadline = time.monotonic() + timeout_s
    client = AirflowClient(spec.api_url, ADMIN_USER, state["secrets"]["admin_password"])
    pending = {"health", *(p["name"] for p in state["processes"] if p["name"].startswith("w"))}
    while pending:
        dead = [p["name"] for p in state["processes"] if not _alive(p)]
        if dead:
            raise ClusterError(f"{', '.join(dead)} exited during start-up; see "
                               f"{spec.home / 'logs'}: {_tail(spec.home, dead[0])}")
        if time.monotonic() > deadline:
            raise ClusterError(f"not ready after {timeout_s:.0f} s: {sorted(pending)}")
        for process in state["processes"]:
            if process["name"] in pending and _worker_ready(process):
                pending.discard(process["name"])
        if "health" in pending and _healthy(client.health()):
            pending.discard("health")
        time.sleep(1)


def _worker_ready(process: dict) -> bool:
    text = Path(process["log"]).read_text(encoding="utf-8", errors="replace")
    return f"{process['name']}@" in text and " ready." in text


def _healthy(report: dict | None) -> bool:
    """The api-server answers and sees a healthy scheduler, triggerer and dag-processor."""
    if not report:
        return False
    return all((report.get(part) or {}).get("status") == "healthy"
               for part in ("metadatabase", "scheduler", "triggerer", "dag_processor"))


def _tail(home: Path, name: str, lines: int = 15) -> str:
    path = home / "logs" / f"{name}.log"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    return "\n".join(text.splitlines()[-lines:])


def cluster_down(home: Path, *, grace_s: float = 20.0) -> list[str]:
    """Stop every recorded process still running (SIGTERM, then SIGKILL after `grace_s`),
    with all it forked; the names stopped. The state file stays, with no processes left."""
    import psutil

    state = load_state(home)
    if not state:
        return []
    targets = [(p, psutil.Process(p["pid"])) for p in state["processes"] if _alive(p)]
    tree: list[psutil.Process] = []
    for _, process in targets:
        tree += [process, *_descendants(process)]
    for _, process in targets:
        _signal_group(process.pid, signal.SIGTERM)
    _, still = psutil.wait_procs(tree, timeout=grace_s)
    for process in still:
        _signal_group(process.pid, signal.SIGKILL, group=False)
    for _, process in targets:
        _signal_group(process.pid, signal.SIGKILL)
    psutil.wait_procs(still, timeout=5)
    state["processes"] = [p | {"stopped": True} for p in state["processes"]]
    write_private(state_path(home), state)
    return [p["name"] for p, _ in targets]


def _descendants(process) -> list:
    import psutil

    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def _signal_group(pid: int, sig: int, group: bool = True) -> None:
    """Signal a process group we started (its leader's pid), or one process."""
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(record: dict) -> bool:
    """The recorded process still runs and is the one we started (not a reused pid)."""
    import psutil

    if record.get("stopped"):
        return False
    try:
        process = psutil.Process(record["pid"])
        return (abs(process.create_time() - record["create_time"]) < 0.01
                and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def kill_process(home: Path, name: str) -> int:
    """SIGKILL one recorded process with everything it forked, as a machine crash would;
    returns how many processes died. For tests and drills of worker loss."""
    import psutil

    state = load_state(home) or {}
    record = next((p for p in state.get("processes", []) if p["name"] == name), None)
    if record is None or not _alive(record):
        raise ClusterError(f"no running process {name!r} in the cluster at {home}")
    leader = psutil.Process(record["pid"])
    tree = [leader, *_descendants(leader)]
    for process in tree:
        _signal_group(process.pid, signal.SIGKILL, group=False)
    _signal_group(record["pid"], signal.SIGKILL)
    psutil.wait_procs(tree, timeout=10)
    return len(tree)


def cluster_status(home: Path) -> dict:
    """Each recorded process (running or not) and the api-server's health report."""
    from healer_ops.cluster.rest import AirflowClient

    state = load_state(home)
    if not state:
        return {"home": str(home), "running": False, "processes": [], "health": None}
    spec = ClusterSpec.from_dict(state["spec"])
    processes = [{"name": p["name"], "pid": p["pid"], "running": _alive(p), "log": p["log"]}
                 for p in state["processes"]]
    running = any(p["running"] for p in processes)
    health = None
    if running:
        health = AirflowClient(spec.api_url, ADMIN_USER,
                               state["secrets"]["admin_password"]).health()
    return {"home": str(home), "running": running, "api_url": spec.api_url,
            "queue": spec.queue, "workers": spec.workers, "processes": processes,
            "health": health}


def airflow_command(home: Path, args: list[str], **run_kwargs) -> subprocess.CompletedProcess:
    """Run `airflow ARGS` with the environment of the cluster at `home` (e.g. `backfill
    create`, `dags list-runs`): the same metadata database, settings and connections."""
    state = load_state(home)
    if not state:
        raise ClusterError(f"no cluster at {home}")
    env = cluster_environment(ClusterSpec.from_dict(state["spec"]), state["secrets"])
    return subprocess.run([_airflow(), *args], env=env, **run_kwargs)
