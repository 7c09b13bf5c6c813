"""Every DAG file imports cleanly, follows the project's conventions, and stays light to parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
EXPECTED_DAGS = {"site_metrics_ingest", "performance_baselines", "anomaly_detection",
                 "ai_failure_analysis", "pattern_effectiveness", "ai_cache_purge",
                 "alert_notifications", "site_metrics_backfill", "metrics_retention"}
HEAVY_MODULES = ("pandas", "sklearn", "great_expectations", "openai", "scipy", "numpy",
                 "psycopg")  # (airflow itself imports httpx and sqlalchemy)


@pytest.fixture(scope="module")
def dag_bag(airflow_ready):
    from airflow.dag_processing.dagbag import BundleDagBag

    # As the dag-processor parses: the folder (the bundle's root) is on sys.path.
    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)


def test_every_dag_file_imports_without_errors(dag_bag):
    assert dag_bag.import_errors == {}
    assert EXPECTED_DAGS.issubset(dag_bag.dag_ids), sorted(dag_bag.dag_ids)


def test_dags_follow_conventions(dag_bag):
    for dag_id in EXPECTED_DAGS:
        dag = dag_bag.get_dag(dag_id)
        assert dag.doc_md and len(dag.doc_md) > 80, f"{dag_id} needs a real doc_md"
        assert dag.start_date.tzinfo is not None, f"{dag_id} start_date must be timezone-aware"
        assert dag.tags, f"{dag_id} should be tagged for the UI"
        assert dag.on_failure_callback, f"{dag_id} runs should report their failure"
        assert dag.max_consecutive_failed_dag_runs > 0 and dag.dagrun_timeout
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} should retry"
            assert task.owner == "healer-ops" and task.execution_timeout
            assert task.on_failure_callback, f"{dag_id}.{task.task_id} should report failure"


def test_a_run_outlives_the_worst_case_of_its_tries(dag_bag):
    """dagrun_timeout is a backstop: it never cuts a try the task's own timeout allows."""
    from datetime import timedelta

    for dag_id in EXPECTED_DAGS:
        dag = dag_bag.get_dag(dag_id)
        worst = sum(((t.retries + 1) * t.execution_timeout + t.retries * t.retry_delay
                     for t in dag.tasks), timedelta())  # the DAGs are chains of tasks
        assert dag.dagrun_timeout >= worst, f"{dag_id}: {dag.dagrun_timeout} < {worst}"


def test_the_shared_module_is_not_a_dag_file(dag_bag):
    from airflow.utils.file import list_py_file_paths

    listed = {Path(p).name for p in list_py_file_paths(DAGS)}
    assert listed == {p.name for p in DAG_FILES}
    assert "_healer_common.py" not in {Path(stat.file).name for stat in dag_bag.dagbag_stats}


def test_split_dags_have_their_steps(dag_bag):
    steps = {dag_id: [t.task_id for t in dag_bag.get_dag(dag_id).topological_sort()]
             for dag_id in ("ai_failure_analysis", "site_metrics_ingest",
                            "alert_notifications", "site_metrics_backfill",
                            "metrics_retention")}
    assert steps == {"ai_failure_analysis": ["claim", "analyze", "summarize"],
                     "site_metrics_ingest": ["plan", "load", "summarize", "roll_up"],
                     "alert_notifications": ["queue_events", "deliver"],
                     "site_metrics_backfill": ["plan", "load"],
                     "metrics_retention": ["maintain_partitions", "drop_raw_days",
                                           "purge_quarantine", "purge_resolved_alerts"]}
    ingest = dag_bag.get_dag("site_metrics_ingest")
    # the asset event comes once per run, after every shard loaded
    assert [a.name for a in ingest.get_task("summarize").outlets] == ["site_metrics"]
    assert ingest.get_task("plan").outlets == ingest.get_task("load").outlets == []
    assert ingest.get_task("roll_up").outlets == []  # the asset does not wait for it
    assert ingest.get_task("roll_up").upstream_task_ids == {"load"}
    backfill = dag_bag.get_dag("site_metrics_backfill")
    assert [a.name for a in backfill.get_task("load").outlets] == ["site_metrics"]


def test_fleet_steps_fan_out_over_shards(dag_bag):
    """Probing and analysis are mapped tasks (one per shard), so workers share one run."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    for dag_id, task_id in (("site_metrics_ingest", "load"), ("ai_failure_analysis", "analyze")):
        assert isinstance(dag_bag.get_dag(dag_id).get_task(task_id), MappedOperator), dag_id


def test_daily_backfill_dag_has_day_intervals(dag_bag):
    """A backfill of weeks takes one run per day, not one per 5 minutes."""
    from airflow.sdk import CronDataIntervalTimetable

    timetable = dag_bag.get_dag("site_metrics_backfill").timetable
    assert isinstance(timetable, CronDataIntervalTimetable)
    assert timetable.expression == "0 0 * * *" and str(timetable.timezone) == "UTC"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_nothing_heavy_at_top_level(path):
    probe = (
        "import importlib.util, json, sys\n"
        f"sys.path.append({str(DAGS)!r})\n"  # the bundle root, as Airflow parses
        f"spec = importlib.util.spec_from_file_location('dagfile', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{path.name} imports {loaded} at parse time"
