"""
### performance_baselines

Weekly (and on demand). Learns what "normal" is for every site: for the period of `days`
days (param, default 28) that ends at the run's data interval end, it computes in
PostgreSQL each site's average, median, p95 and MAD of response time, TTFB and page size,
its error rate and sample size, and a seasonal profile of response time (weekday x hour
once the data spans three weeks, hour of day once it spans three days, else none), and
upserts them into `performance_baselines` keyed by (site_id, period_start, period_end):
re-running a period replaces its rows.

Accuracy: every statistic is exact (medians and p95 as `percentile_cont`, MAD the median of
|x - median|, no sampling or sketch). Cost: one parallel pass over the period's rows, then
per-site sorts (about 26 bytes of memory per row of the period); see `healer_ops/baselines.py`.

Backfill past weeks with `airflow backfill create --dag-id performance_baselines
--from-date ... --to-date ...`; a manual run computes the period ending at its logical
date, or, without one (the UI's trigger button, the REST API), when it was triggered.
Param `site_ids` limits a run to some sites (empty: every site).

Failures: a try is stopped after two hours and retried twice, five minutes apart; a task
that fails for good and its run are reported through `healer_ops.notify`; after 2 failed
runs in a row (two weeks) the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _healer_common import healer_dag, site_ids_param
from airflow.sdk import Param, task


@healer_dag(
    "performance_baselines",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 5, tz="UTC"),
    doc_md=__doc__,
    tag="baselines",
    execution_timeout=timedelta(hours=2),
    dagrun_timeout=timedelta(hours=7),
    max_consecutive_failed_dag_runs=2,
    params={
        "days": Param(28, type="integer", minimum=1, maximum=366,
                      description="Days of history in each baseline period"),
        "site_ids": site_ids_param(),
    },
)
def performance_baselines():
    @task
    def compute_baselines(data_interval_start=None, data_interval_end=None,
                          params=None, dag_run=None) -> dict:
        from healer_ops import baselines, db
        from healer_ops.intervals import effective_interval

        _, period_end = effective_interval(data_interval_start, data_interval_end,
                                           timedelta(weeks=1), dag_run.run_after)
        return baselines.compute_baselines(db.resolve_url("healer_db"), period_end,
                                           days=int(params["days"]),
                                           site_ids=params["site_ids"] or None)

    compute_baselines()


performance_baselines()
