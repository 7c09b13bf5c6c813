"""
### site_metrics_backfill

Loads history from the file drop one UTC day per run: what `airflow backfill create` runs
over weeks of history in a few runs (14 days: 14 runs, where `site_metrics_ingest` takes
4,032 five-minute runs):

    airflow backfill create --dag-id site_metrics_backfill \\
        --from-date 2025-01-01 --to-date 2025-01-14

loads the day files `site_metrics_2025-01-01.*` to `site_metrics_2025-01-14.*` of the drop
folder (`drop_dir`, default `HEALER_DROP_DIR`, else `.healer/drop`), one run per day, each
covering [day 00:00, next day 00:00) UTC. Scheduled (when unpaused) it loads the day that
just ended, for drops that arrive once a day; a manual run without a logical date loads the
24 hours before it was triggered; params `start`/`end` (ISO 8601) replace the interval.

Two steps, as `site_metrics_ingest` in files mode: **plan** (the day files of the interval
and the days without one; a missing folder fails here) and **load** (validate with Great
Expectations, quarantine bad rows with every reason, upsert good ones on (site_id,
observed_at); a re-run or retry leaves the same rows), which emits the `site_metrics`
asset, so `anomaly_detection` scores what arrived.

Failures: each step is retried three times, a minute apart; a try of plan is stopped after
5 minutes, of load after an hour; a step that fails for good and its run are reported
through `healer_ops.notify`; after 3 failed runs in a row the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _healer_common import SITE_METRICS, drop_folder_params, healer_dag, site_ids_param
from airflow.sdk import CronDataIntervalTimetable, task


@healer_dag(
    "site_metrics_backfill",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    # Early, so that backfills can reach years of history (the scheduler does not catch up).
    start_date=pendulum.datetime(2010, 1, 1, tz="UTC"),
    doc_md=__doc__,
    tag="ingest",
    retries=3,
    retry_delay=timedelta(minutes=1),
    dagrun_timeout=timedelta(hours=5),
    max_active_runs=2,
    params={
        "site_ids": site_ids_param(),
        **drop_folder_params(),
    },
)
def site_metrics_backfill():
    @task(execution_timeout=timedelta(minutes=5))
    def plan(params=None, dag_run=None, data_interval_start=None,
             data_interval_end=None) -> dict:
        from healer_ops.ingest.runs import DAY, plan_ingest

        run_type = getattr(dag_run.run_type, "value", str(dag_run.run_type))
        return plan_ingest(mode="files", run_type=run_type, interval_start=data_interval_start,
                           interval_end=data_interval_end, start=params["start"],
                           end=params["end"], site_ids=params["site_ids"] or None,
                           drop_dir=params["drop_dir"], run_after=dag_run.run_after,
                           period=DAY)

    @task(outlets=[SITE_METRICS])
    def load(planned: dict, run_id=None) -> dict:
        from healer_ops import db
        from healer_ops.ingest.runs import load_planned

        return load_planned(db.resolve_url("healer_db"), planned, run_id=run_id)

    load(plan())


site_metrics_backfill()
