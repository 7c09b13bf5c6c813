"""
### metrics_retention

Daily at 01:30 UTC: keeps `site_metrics` at fleet scale. Four steps:

1. **maintain_partitions**: creates the daily partitions of `site_metrics` for today and
   `HEALER_METRICS_PARTITIONS_AHEAD_DAYS` (2) days ahead (the ingest path does the same for
   the days it loads), moves rows the default partition caught into their day's partition,
   and rolls up every hour that has ended into `site_metrics_hourly`.
2. **drop_raw_days**: drops each raw partition whose range ended more than
   `HEALER_METRICS_RAW_RETENTION_DAYS` (14) days before today's UTC midnight, only after
   checking its roll-up: no hour of it pending and the roll-ups' samples equal to its row
   count. A partition that fails the check is kept and named (`kept_incomplete`); the
   next run tries again. The hourly roll-ups are kept: baselines of long periods read them.
3. **purge_quarantine**: deletes `metric_quarantine` rows older than
   `HEALER_QUARANTINE_RETENTION_DAYS` (30), in batches.
4. **purge_resolved_alerts**: deletes alerts resolved (by detection or by hand) more than
   `HEALER_RESOLVED_ALERT_RETENTION_DAYS` (180) days ago, with their actions and notices.

Param `keep_days` overrides the raw retention for one run (e.g. to drop more after a
migration). Re-running changes nothing more: what was dropped or deleted stays so, and the
roll-up only takes hours that changed.

Failures: a try is stopped after 30 minutes and retried twice, five minutes apart (a drop
waits at most a minute for its lock on `site_metrics`); a task that fails for good and its
run are reported through `healer_ops.notify`; after 3 failed runs in a row the DAG pauses
itself.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _healer_common import healer_dag
from airflow.sdk import Param, task


@healer_dag(
    "metrics_retention",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    doc_md=__doc__,
    tag="storage",
    execution_timeout=timedelta(minutes=30),
    dagrun_timeout=timedelta(hours=7),
    params={"keep_days": Param(None, type=["null", "integer"], minimum=1,
                               description="Days of raw metrics kept (default: "
                                           "HEALER_METRICS_RAW_RETENTION_DAYS)")},
)
def metrics_retention():
    @task
    def maintain_partitions() -> dict:
        from healer_ops import db
        from healer_ops.storage.retention import maintain_partitions

        return maintain_partitions(db.resolve_url("healer_db"))

    @task
    def drop_raw_days(params=None) -> dict:
        from healer_ops import db
        from healer_ops.storage.retention import drop_raw_days

        return drop_raw_days(db.resolve_url("healer_db"), keep_days=params["keep_days"])

    @task
    def purge_quarantine() -> dict:
        from healer_ops import db
        from healer_ops.storage.retention import purge_quarantine

        return purge_quarantine(db.resolve_url("healer_db"))

    @task
    def purge_resolved_alerts() -> dict:
        from healer_ops import db
        from healer_ops.storage.retention import purge_resolved_alerts

        return purge_resolved_alerts(db.resolve_url("healer_db"))

    maintain_partitions() >> drop_raw_days()
    [purge_quarantine(), purge_resolved_alerts()]


metrics_retention()
