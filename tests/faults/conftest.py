"""Fixtures of the fault tests: a private PostgreSQL to stop and start, a generated fleet to
run the DAGs on, copies of it (one run undisturbed, one faulted), and what to compare."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pendulum
import psycopg
import pytest
from cluster import Cluster

END = datetime(2025, 3, 1, tzinfo=UTC)  # the fleet's data ends here: every run is of the past
DAYS = 2
LOGICAL_DATE = pendulum.datetime(2025, 3, 1, 12, tz="UTC")
SITES = 8
RETRY_DELAY = timedelta(seconds=2)  # the restarted server is up again well before

# Columns whose value says when or how often, not what: left out of the comparison.
VOLATILE = {
    "ai_analysis_cache": {"hit_count", "response_time_ms"},
}
# Which Airflow run and try did the work: each run is its own, and a retry is another try.
VOLATILE_SUFFIXES = ("run_id", "_try", "try_number")
# Keys of JSON values that say how an answer was got, not what it is: a retry that finds
# the analysis its killed try cached (but did not get to write back) says cache_hit true.
VOLATILE_JSON_KEYS = {"cache_hit"}
# (site_metrics_hours_pending: work the roll-up has still to do, one entry per write)
SKIPPED_TABLES = ("_yoyo", "yoyo", "site_metrics_hours_pending")
# Tables whose floats are derived exactly (sums in numeric, or per row): compared bit for bit,
# so an aggregate that depends on the order rows are read in shows (others: 10 digits).
EXACT_FLOAT_TABLES = {"healing_patterns"}


@pytest.fixture(scope="session")
def cluster():
    server = Cluster()
    yield server
    server.close()


def make_fleet(admin_url: str, drop) -> dict:
    """A database with a generated fleet (sites, executions with logs, patterns, metrics in
    site_metrics), and the same metrics as day files of a drop folder."""
    from healer_ops import db
    from healer_ops.devkit.fleet.generator import generate_fleet

    name = f"fleet_tpl_{uuid.uuid4().hex[:8]}"
    db.ensure_database(admin_url, name)
    url = db.with_database(admin_url, name)
    db.migrate(url)
    generate_fleet(url, sites=SITES, days=DAYS, seed=5, end=END, drop_dir=drop,
                   metrics_to_db=True)
    return {"admin_url": admin_url, "name": name, "drop_dir": str(drop)}


@pytest.fixture(scope="session")
def cluster_fleet(cluster, tmp_path_factory) -> dict:
    """The fleet on the private server (the tests that stop it)."""
    return make_fleet(cluster.url, tmp_path_factory.mktemp("drop"))


@pytest.fixture(scope="session")
def server_fleet(pg_admin_url, tmp_path_factory):
    """The fleet on the tests' server: the machine's PostgreSQL where HEALER_DATABASE_URL
    names one, else the embedded one."""
    from healer_ops import db

    fleet = make_fleet(pg_admin_url, tmp_path_factory.mktemp("drop"))
    yield fleet
    db.drop_database(pg_admin_url, fleet["name"])


@pytest.fixture
def copies():
    """make(fleet, n, setup): n databases copied from a fleet; each one's URL."""
    from healer_ops import db

    made: list[tuple[str, str]] = []

    def make(fleet: dict, count: int = 2,
             setup: Callable[[psycopg.Connection], None] | None = None) -> list[str]:
        urls = []
        for _ in range(count):
            name = f"fault_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(fleet["admin_url"], autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{fleet["name"]}"')
            made.append((fleet["admin_url"], name))
            url = db.with_database(fleet["admin_url"], name)
            if setup:
                with psycopg.connect(url) as conn:
                    setup(conn)
            urls.append(url)
        return urls

    yield make
    for admin_url, name in made:
        db.drop_database(admin_url, name)


@pytest.fixture
def healer_db(airflow_ready, monkeypatch):
    """use(url): the DAGs' healer_db connection (and HEALER_DATABASE_URL) point at url."""
    from healer_ops.connections import postgres_connection_json
    from healer_ops.settings import reset_settings

    def use(url: str) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(url))
        monkeypatch.setenv("HEALER_DATABASE_URL", url)
        # One analysis thread: with several, which of the logs of one fault writes its cache
        # entry (the sample and the quoted reasoning) depends on thread timing in any run.
        monkeypatch.setenv("HEALER_AI_CONCURRENCY", "1")
        reset_settings()

    yield use
    reset_settings()


@pytest.fixture
def short_retries(monkeypatch):
    """Every task of every DAG retries after RETRY_DELAY (their retry counts as configured)."""
    from healer_ops.devkit.dagrun import dag_bag

    bag = dag_bag()
    for dag_id in bag.dag_ids:
        for task in bag.get_dag(dag_id).tasks:
            monkeypatch.setattr(task, "retry_delay", RETRY_DELAY)


def snapshot(url: str, since: datetime) -> dict[str, list[tuple]]:
    """Every row of every table, as comparable values: surrogate keys (serials, random
    uuids) and volatile columns left out, and times written by the run (>= `since`, while
    the data is of the past) shown as '<run time>'."""
    tables: dict[str, list[tuple]] = {}
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, coalesce(column_default, '') FROM "
            "information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, ordinal_position").fetchall()
        kept: dict[str, list[str]] = {}
        for table, column, default in columns:
            if (table.startswith(SKIPPED_TABLES) or column in VOLATILE.get(table, ())
                    or column.endswith(VOLATILE_SUFFIXES)):
                continue
            if "nextval(" in default or "uuid" in default:
                continue
            kept.setdefault(table, []).append(column)
        for table, names in kept.items():
            select = ", ".join(f'"{name}"' for name in names)
            rows = conn.execute(f'SELECT {select} FROM "{table}"').fetchall()
            exact = table in EXACT_FLOAT_TABLES
            tables[table] = sorted((tuple(_comparable(v, since, exact) for v in row)
                                    for row in rows), key=repr)
    return tables


def _comparable(value, since: datetime, exact: bool = False):
    if isinstance(value, float) and not exact:  # parallel aggregates add in any order
        return float(f"{value:.10g}")
    if isinstance(value, datetime) and value.tzinfo is not None and value >= since:
        return "<run time>"
    if isinstance(value, dict):
        return repr({k: v for k, v in value.items() if k not in VOLATILE_JSON_KEYS})
    if isinstance(value, list):
        return repr(value)
    return value


def differences(expected: dict, actual: dict) -> dict[str, dict]:
    """Per table, the rows only one side has (empty: the same rows)."""
    found = {}
    for table in sorted(set(expected) | set(actual)):
        mine, theirs = actual.get(table, []), expected.get(table, [])
        if mine != theirs:
            extra = [row for row in mine if row not in theirs]
            missing = [row for row in theirs if row not in mine]
            found[table] = {"rows": (len(theirs), len(mine)), "extra": extra[:3],
                            "missing": missing[:3]}
    return found


class Fault(threading.Thread):
    """Polls the database of `url` until `when` (SQL returning one boolean) is true, then
    calls `action` once. `fired` says whether it did; `error` what went wrong, if anything."""

    def __init__(self, url: str, when: str, action: Callable[[], None],
                 timeout_s: float = 120):
        super().__init__(daemon=True)
        self.url, self.when, self.action, self.timeout_s = url, when, action, timeout_s
        self.fired = threading.Event()
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.cancelled = False

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                deadline = time.monotonic() + self.timeout_s
                while not self.cancelled and time.monotonic() < deadline:
                    if conn.execute(self.when).fetchone()[0]:
                        self.fired.set()
                        break
                    time.sleep(0.01)
            if self.fired.is_set():
                self.action()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.done.set()

    def finish(self) -> None:
        self.cancelled = True
        self.join(120)
        if self.error is not None:
            raise self.error


# A task of the DAG is working: one of its sessions has been in a transaction for a while.
TASK_AT_WORK = (
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
    "AND xact_start < clock_timestamp() - interval '150 milliseconds')")


@contextmanager
def logs_to(path: Path):
    """Everything logged in this process (the task logs of dag.test included) also goes to
    `path`, besides the terminal output run_dag may send there."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


def run_logged(dag_id: str, conf: dict, log: Path) -> tuple[dict, str]:
    """run_dag with everything it logs and prints in `log`; (its result, the log's text)."""
    from healer_ops.devkit.dagrun import run_dag

    with logs_to(log):
        result = run_dag(dag_id, LOGICAL_DATE, conf, log_file=log)
    return result, log.read_text(errors="replace")


def airflow_home_copy(source: Path, target: Path) -> Path:
    """A second Airflow home with the same (migrated) metadata database."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "airflow.db", target / "airflow.db")
    return target


def environment_for(home: Path, url: str) -> dict[str, str]:
    from healer_ops.devkit.dagrun import airflow_environment

    return {**os.environ, **airflow_environment(home, url), "HEALER_DATABASE_URL": url}
