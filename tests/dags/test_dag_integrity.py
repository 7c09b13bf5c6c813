"""Every DAG file imports cleanly, follows the project's conventions, and stays light to parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted(p for p in (ROOT / "dags").glob("*.py") if not p.name.startswith("_"))
EXPECTED_DAGS = {"site_metrics_ingest", "performance_baselines", "anomaly_detection",
                 "ai_failure_analysis", "pattern_effectiveness", "ai_cache_purge"}
HEAVY_MODULES = ("pandas", "sklearn", "great_expectations", "openai", "scipy", "numpy",
                 "psycopg")  # (airflow itself imports httpx and sqlalchemy)


@pytest.fixture(scope="module")
def dag_bag(airflow_ready):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_every_dag_file_imports_without_errors(dag_bag):
    assert dag_bag.import_errors == {}
    assert EXPECTED_DAGS.issubset(dag_bag.dag_ids), sorted(dag_bag.dag_ids)


def test_dags_follow_conventions(dag_bag):
    for dag_id in EXPECTED_DAGS:
        dag = dag_bag.get_dag(dag_id)
        assert dag.doc_md and len(dag.doc_md) > 80, f"{dag_id} needs a real doc_md"
        assert dag.start_date.tzinfo is not None, f"{dag_id} start_date must be timezone-aware"
        assert dag.tags, f"{dag_id} should be tagged for the UI"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} should retry"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_nothing_heavy_at_top_level(path):
    probe = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('dagfile', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{path.name} imports {loaded} at parse time"
