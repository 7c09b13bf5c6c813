"""Run the project's DAGs in-process with ``dag.test()`` (the demo and the tests use this).

Airflow is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from healer_ops.connections import postgres_connection_json
from healer_ops.settings import PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"


def airflow_environment(airflow_home: Path, database_url: str) -> dict[str, str]:
    """Environment variables for a local Airflow on SQLite that reaches the healer database."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_HEALER_DB": postgres_connection_json(database_url),
    }


def prepare_airflow(airflow_home: Path, database_url: str) -> None:
    """Point this process at a local Airflow home and migrate its metadata DB (once)."""
    os.environ.update(airflow_environment(airflow_home, database_url))
    migrate_airflow_metadata(airflow_home)


def migrate_airflow_metadata(airflow_home: Path) -> None:
    """`airflow db migrate` in this home (SQLite), unless it has been done there already."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    if not (airflow_home / "airflow.db").exists():
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                       capture_output=True, env={**os.environ, "AIRFLOW_HOME": str(airflow_home)})


@lru_cache(maxsize=1)
def dag_bag():
    from airflow.dag_processing.dagbag import BundleDagBag

    # A bundle DagBag, as the dag-processor and the workers parse: the folder is on sys.path
    # (the DAG files import dags/_healer_common.py) and .airflowignore is honoured.
    bag = BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER)
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    for dag_id in bag.dag_ids:
        _PARAM_DEFAULTS[dag_id] = bag.get_dag(dag_id).params.dump()
    return bag


_PARAM_DEFAULTS: dict[str, dict] = {}  # as parsed, before any run could touch them


def param_defaults(dag_id: str) -> dict:
    dag_bag()
    return copy.deepcopy(_PARAM_DEFAULTS[dag_id])


def run_dag(dag_id: str, logical_date=None, conf: dict | None = None,
            log_file: Path | None = None, without_logical_date: bool = False) -> dict:
    """Run one DAG to completion with dag.test(); return its state and each task's summary
    (a mapped task's: the list of its instances' summaries, in map index order).

    The run's logical date is `logical_date`, else now; `without_logical_date` makes it a
    run with none, as the UI's trigger button and the REST API make. With `log_file`,
    everything the run prints (Airflow's task logs) is appended there instead of the
    terminal.
    """
    import pendulum

    dag = dag_bag().get_dag(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in {DAGS_FOLDER}")
    # dag.test() resolves a run's conf into Param objects that outlive the run, so a key one
    # run set would become the next run's default: every run states every param.
    run_conf = {**param_defaults(dag_id), **(conf or {})}
    began = pendulum.now("UTC")
    with output_to(log_file):
        run = dag.test(logical_date=None if without_logical_date else logical_date or began,
                       run_conf=run_conf)
    record_real_start(run, began)
    return {"dag_id": dag_id, "state": str(run.state), "run_id": run.run_id,
            "tasks": task_summaries(run), "tries": task_tries(run)}


def record_real_start(run, began) -> None:
    """dag.test() starts a run at its logical date: a demo run of last midnight's data would
    show in the UI as hours long. Record when it really started (its end is already real)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(DagRun).filter(DagRun.dag_id == run.dag_id,
                                     DagRun.run_id == run.run_id).update(
            {DagRun.start_date: began}, synchronize_session=False)
    run.start_date = began


@contextmanager
def output_to(log_file: Path | None):
    """Send this process's stdout and stderr (file descriptors 1 and 2) to a file."""
    if log_file is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def task_summaries(run) -> dict[str, object]:
    """The return value (XCom) of every task of a finished run, keyed by task id."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter(
            XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id,
            XComModel.key == "return_value").order_by(XComModel.map_index).all()
        summaries: dict[str, object] = {}
        for row in rows:
            if row.map_index >= 0:
                summaries.setdefault(row.task_id, []).append(_decode(row.value))
            else:
                summaries[row.task_id] = _decode(row.value)
        return summaries


def task_tries(run) -> dict[str, int]:
    """How many tries each task of a finished run took (2 = it succeeded on its retry)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskInstance.task_id, TaskInstance.try_number).filter(
            TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id).all()
        tries: dict[str, int] = {}
        for task_id, try_number in rows:  # a mapped task: its instances' most tries
            tries[task_id] = max(tries.get(task_id, 0), try_number or 0)
        return tries


def _decode(value):
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
