"""
### site_metrics_ingest

Every 5 minutes: measures the fleet and loads `site_metrics`, producing the `site_metrics`
asset that `anomaly_detection` runs on. Four steps:

1. **plan**: decides what the run loads, split into shards: the mode, the interval, and in
   files mode the drop folder's day files of the interval and the days without one (one
   shard); in probe mode the slot the observations stand for and the fleet cut into key
   ranges of `HEALER_PROBE_SHARD_SIZE` enabled sites (one shard each). A bad param, a
   missing drop folder or a probe of history fails here, before any work.
2. **load** (one mapped task per shard, spread over the Celery workers): probes or reads
   exactly its shard, validates, quarantines and upserts. A retry of a shard loads the same
   files or probes the same sites for the same slot again: the same rows.
3. **summarize**: the shards' summaries merged into the run's summary, and the
   `site_metrics` asset event (once per run, after every shard loaded).
4. **roll_up** (beside summarize, after every shard loaded): the hours that have ended and
   whose rows changed are rolled up into `site_metrics_hourly` (one row per site and hour,
   recomputed from the raw rows: idempotent); at 5-minute probes that is the past hour once
   an hour. A roll-up running elsewhere (another run's) is waited for.

**Modes** (param `mode`):
- `probe`: an asynchronous HTTP probe of every enabled site of `wp_sites` (its `url`):
  response time, time to first byte, page size, status, error class (timeout, dns, tls,
  connection, http, wsod), WordPress' critical-error marker and, for https, the
  certificate's expiry. Observed at the end of the run's interval, so a retry replaces the
  same rows. Refuses intervals older than an hour: history is loaded from files.
- `files`: the rows of the run's interval from the drop folder (`drop_dir`, default
  `HEALER_DROP_DIR`, else `.healer/drop`), one file per UTC day named
  `site_metrics_YYYY-MM-DD.csv` (or `.jsonl`, `.parquet`). Rows of those files outside the
  interval belong to other runs (`out_of_scope`); a row whose time cannot be placed, or lies
  on another day than its file's, is quarantined by the run holding the day's 00:00 UTC.
- `auto` (default): `files` for backfill runs, `probe` otherwise. So
  `airflow backfill create --dag-id site_metrics_ingest --from-date 2025-01-01T00:00
  --to-date 2025-01-14T23:55` loads exactly each 5-minute interval's rows of January 1-14
  from the drop folder: one run per interval start from `--from-date` to `--to-date`
  inclusive, each covering [start, start + 5 min). Add `--dag-run-conf '{"drop_dir":
  "/data/drop"}'` for another folder (or `{"mode": "files"}` to say it explicitly).

Params `start`/`end` (ISO 8601) replace the interval (e.g. one run for 14 days of history),
`site_ids` limits the run to some sites. A manual run without a logical date (the UI's
trigger button, the REST API, `airflow dags trigger`) covers the 5 minutes before it was
triggered. Do not give a manual run a logical date on the 5-minute grid: the scheduler's
own run for that date then clashes with it ("run already exists", Airflow issue 41208) and
scheduled runs stop until it is deleted. For weeks of history use `site_metrics_backfill`
(one run per day) rather than a backfill of this DAG (288 runs per day).

Every row is validated with Great Expectations (columns and types, known site, ranges,
time not in the future and inside the interval, duplicates in the batch). Rejected rows go
to `metric_quarantine` verbatim with all their reasons; the rest are upserted on
(site_id, observed_at). A file that cannot be parsed fails the run, naming file and line,
and nothing of the run is loaded. The returned summary: `input_rows = loaded + quarantined
+ duplicates` (merged), with `quarantined_by_reason`.

Failures: each step is retried three times, a minute apart; a try of plan, summarize or roll_up is
stopped after 5 minutes, of load after 30 (split a long manual `start`/`end` range that
needs more, or load it with `site_metrics_backfill`); a step that fails for good and its run
are reported through `healer_ops.notify`; after 288 failed runs in a row (a day) the DAG
pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from _healer_common import SITE_METRICS, drop_folder_params, healer_dag, site_ids_param
from airflow.sdk import CronDataIntervalTimetable, Param, task


@healer_dag(
    "site_metrics_ingest",
    # Real 5-minute data intervals: scheduled and backfill runs each cover [start, end).
    schedule=CronDataIntervalTimetable("*/5 * * * *", timezone="UTC"),
    # Early, so that backfills can reach years of history (catchup stays off for the
    # scheduler): a run before a DAG's start_date gets no task at all.
    start_date=pendulum.datetime(2010, 1, 1, tz="UTC"),
    doc_md=__doc__,
    tag="ingest",
    retries=3,
    retry_delay=timedelta(minutes=1),
    execution_timeout=timedelta(minutes=30),
    dagrun_timeout=timedelta(hours=3, minutes=30),
    max_consecutive_failed_dag_runs=288,
    max_active_runs=4,
    params={
        "mode": Param("auto", enum=["auto", "probe", "files"],
                      description="probe the live sites, load the drop folder, or auto "
                                  "(files for backfills, probe otherwise)"),
        "site_ids": site_ids_param(),
        **drop_folder_params(),
    },
)
def site_metrics_ingest():
    @task(execution_timeout=timedelta(minutes=5))
    def plan(params=None, dag_run=None, data_interval_start=None,
             data_interval_end=None) -> list[dict]:
        from healer_ops import db
        from healer_ops.ingest.runs import plan_ingest
        from healer_ops.ingest.shards import shard_plan

        planned = plan_ingest(mode=params["mode"],
                              run_type=getattr(dag_run.run_type, "value", str(dag_run.run_type)),
                              interval_start=data_interval_start,
                              interval_end=data_interval_end, start=params["start"],
                              end=params["end"], site_ids=params["site_ids"] or None,
                              drop_dir=params["drop_dir"], run_after=dag_run.run_after)
        return shard_plan(db.resolve_url("healer_db") if planned["mode"] == "probe" else None,
                          planned)

    @task(map_index_template="shard {{ task.op_kwargs['shard']['shard'] }}")
    def load(shard: dict, run_id=None) -> dict:
        from healer_ops import db
        from healer_ops.ingest.runs import load_planned

        return load_planned(db.resolve_url("healer_db"), shard, run_id=run_id)

    @task(outlets=[SITE_METRICS], execution_timeout=timedelta(minutes=5))
    def summarize(summaries: list[dict]) -> dict:
        from healer_ops.ingest.shards import merge_summaries

        return merge_summaries(summaries)

    @task(execution_timeout=timedelta(minutes=5))
    def roll_up() -> dict:
        from healer_ops import db
        from healer_ops.storage.rollup import roll_up_closed_hours

        return roll_up_closed_hours(db.resolve_url("healer_db"))

    loads = load.expand(shard=plan())
    summarize(loads)
    loads >> roll_up()


site_metrics_ingest()
