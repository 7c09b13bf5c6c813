"""What every HealerOps DAG shares: its defaults, its failure hook and the site_metrics asset.

Not a DAG file: `.airflowignore` keeps the dag-processor from parsing it on its own, and the
DAG files import it from the bundle root, which Airflow puts on sys.path wherever it parses
them (dag-processor, workers, `dag.test()` through a bundle DagBag). The name carries the
project's prefix because that root is shared with every other module on sys.path.

It is imported at every parse of every DAG file: nothing heavy at top level (the failure
hook imports healer_ops.notify only when it runs).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pendulum
from airflow.sdk import Asset, Param, dag

from healer_ops.settings import PREDICTIVE_ALERTS_ASSET, SITE_METRICS_ASSET

OWNER = "healer-ops"
START_DATE = pendulum.datetime(2025, 1, 1, tz="UTC")

# Produced by site_metrics_ingest (the task that writes rows); anomaly_detection runs on it.
SITE_METRICS = Asset(name=SITE_METRICS_ASSET["name"], uri=SITE_METRICS_ASSET["uri"])
# Produced by anomaly_detection's write task; alert_notifications runs on it.
PREDICTIVE_ALERTS = Asset(name=PREDICTIVE_ALERTS_ASSET["name"], uri=PREDICTIVE_ALERTS_ASSET["uri"])


def site_ids_param() -> Param:
    """The `site_ids` param of the DAGs that can work on part of the fleet."""
    return Param([], type="array", items={"type": "string"},
                 description="Only these site ids (empty: every site)")


def drop_folder_params() -> dict[str, Param]:
    """The params of the DAGs that load day files: the drop folder and an interval override."""
    from healer_ops.settings import get_settings

    settings = get_settings()
    return {
        "drop_dir": Param(str(settings.drop_dir or settings.home / "drop"),
                          type=["null", "string"],
                          description="Folder of site_metrics_YYYY-MM-DD.* day files"),
        "start": Param(None, type=["null", "string"],
                       description="Interval start override (ISO 8601, UTC if no zone)"),
        "end": Param(None, type=["null", "string"],
                     description="Interval end override (exclusive)"),
    }


def task_failed(context) -> None:
    """on_failure_callback of every task (after its last try): the error and the log's link."""
    from healer_ops.notify import dag_run_failed

    ti = context["ti"]
    error = context.get("exception")
    reason = f"{type(error).__name__}: {error}" if error is not None else "task failed"
    dag_run_failed(ti.dag_id, ti.run_id, ti.task_id, reason, ti.log_url)


def run_failed(context) -> None:
    """on_failure_callback of every DAG run (a failed task, a timeout): the run's link."""
    from airflow.sdk.configuration import conf

    from healer_ops.notify import dag_run_failed

    dag_id = context["dag"].dag_id
    run_id = context.get("run_id") or context["dag_run"].run_id
    ti = context.get("ti")
    base_url = conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")
    dag_run_failed(dag_id, run_id, ti.task_id if ti is not None else None,
                   f"DAG run failed ({context.get('reason') or 'unknown'})",
                   f"{base_url}/dags/{dag_id}/runs/{quote(run_id)}", deliver=True)


def healer_dag(dag_id: str, *, schedule, doc_md: str, tag: str, retries: int = 2,
               retry_delay: timedelta = timedelta(minutes=5),
               execution_timeout: timedelta | None = timedelta(hours=1),
               dagrun_timeout: timedelta | None = timedelta(hours=4),
               max_consecutive_failed_dag_runs: int = 3, max_active_runs: int = 1,
               start_date: pendulum.DateTime = START_DATE, **dag_kwargs):
    """Airflow's @dag with the project's defaults (each one overridable).

    Every task retries and reports its final failure, every run reports its failure
    (`healer_ops.notify`), and a DAG pauses itself after `max_consecutive_failed_dag_runs`
    failed runs in a row: broken code stops paging, while an outage shorter than that
    resumes without anyone unpausing. `dagrun_timeout` is a backstop above the worst case
    of every try (the DAG integrity test checks it).
    """
    default_args = {"owner": OWNER, "retries": retries, "retry_delay": retry_delay,
                    "execution_timeout": execution_timeout,
                    "on_failure_callback": task_failed}
    return dag(dag_id=dag_id, schedule=schedule, start_date=start_date, catchup=False,
               doc_md=doc_md, tags=["healer", tag], default_args=default_args,
               max_active_runs=max_active_runs, dagrun_timeout=dagrun_timeout,
               max_consecutive_failed_dag_runs=max_consecutive_failed_dag_runs,
               on_failure_callback=run_failed, **dag_kwargs)
