"""
### anomaly_detection

Runs whenever `site_metrics_ingest` updates the `site_metrics` asset. Scores the new
observations of every site against its seasonal baseline (robust z-scores), an
IsolationForest over hourly feature windows and a Theil-Sen trend forecast, and opens,
updates or resolves `predictive_alerts` (PERFORMANCE_DEGRADATION, ERROR_SPIKE, DOWNTIME,
PAGE_SIZE_ANOMALY, SSL_EXPIRY): one alert per ongoing problem, with a trigger window and a
recovery window.

One task per step: `refresh_baselines` plans the interval and stores the baselines it
lacks (same SQL and key as `performance_baselines`: a new site gets a daily baseline while
it builds history, a site whose weekly one is stale gets a fresh one); `score` reads the
metrics, baselines and open alerts and returns the alert rows (it writes nothing);
`write_alerts` writes them, groups alerts of many sites that opened together into
incidents (`alert_incidents`: one hosting server's sites, or a large share of the fleet;
`healer_ops.detect.incidents`, in the same transaction, so notifications never see an
incident's alerts ungrouped), advances the watermark and updates the `predictive_alerts`
asset that `alert_notifications` runs on.

Which data: an asset-triggered run has no time-based interval, so the run scores from the
watermark in `detection_watermarks` (where the last whole-fleet run stopped, minus one
5-minute cell that may have been incomplete) to the cell after the latest observation; the
first run scores the last 28 days. Params `since` / `until` (ISO 8601) override this for
manual runs and historic re-runs (re-running an interval leaves the same rows; such runs
never move the watermark past data they skipped); `site_ids` limits a run to some sites.

Failures: a try is stopped after 30 minutes (refresh_baselines), an hour (score) or 15
minutes (write_alerts) and retried twice, two minutes apart; a task that
fails for good and its run are reported through `healer_ops.notify`; after 288 failed runs
in a row (about a day of 5-minute ingests) the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

from _healer_common import PREDICTIVE_ALERTS, SITE_METRICS, healer_dag, site_ids_param
from airflow.sdk import Param, task


@healer_dag(
    "anomaly_detection",
    schedule=[SITE_METRICS],
    doc_md=__doc__,
    tag="detection",
    retry_delay=timedelta(minutes=2),
    dagrun_timeout=timedelta(hours=6),
    max_consecutive_failed_dag_runs=288,
    params={
        "since": Param(None, type=["null", "string"],
                       description="Score from this time (ISO 8601; default: the watermark)"),
        "until": Param(None, type=["null", "string"],
                       description="Score up to this time (default: the latest observation)"),
        "site_ids": site_ids_param(),
    },
)
def anomaly_detection():
    @task(execution_timeout=timedelta(minutes=30))
    def refresh_baselines(params=None) -> dict:
        from healer_ops import db
        from healer_ops.detect.fleet import plan_run, refresh_step

        url = db.resolve_url("healer_db")
        plan = plan_run(url, since=params["since"] or None, until=params["until"] or None,
                        site_ids=params["site_ids"] or None)
        if plan["scored"]:
            plan["baselines"] = refresh_step(url, plan["since"], plan["until"],
                                             site_ids=plan["site_ids"])
        return plan

    @task
    def score(plan: dict) -> dict:
        from healer_ops import db
        from healer_ops.detect.fleet import score_step

        if not plan["scored"]:
            return {}
        return score_step(db.resolve_url("healer_db"), plan["since"], plan["until"],
                          site_ids=plan["site_ids"])

    @task(outlets=[PREDICTIVE_ALERTS], execution_timeout=timedelta(minutes=15))
    def write_alerts(plan: dict, scored: dict) -> dict:
        from healer_ops import db
        from healer_ops.detect.fleet import advance_watermark, write_step

        if not plan["scored"]:
            return plan
        url = db.resolve_url("healer_db")
        summary = write_step(url, scored)
        return {"scored": True, **summary, "watermark_advanced": advance_watermark(url, plan)}

    plan = refresh_baselines()
    write_alerts(plan, score(plan))

anomaly_detection()
