"""The demo pipeline end to end on a small fleet: real PostgreSQL, the six real DAGs.

After each DAG the database must hold what that DAG is for (real work: alerts that match
the injected incidents, expired cache rows purged), and running the same DAG again for the
same interval must change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from healer_ops.devkit.dagrun import run_dag
from healer_ops.devkit.demo import DemoRun, demo_schedule, replay_earlier_analyses, summary_rows
from healer_ops.devkit.evaluate.alerts import score_alerts
from healer_ops.devkit.fleet.generator import generate_fleet

END = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 3
# Bookkeeping columns that record when a row was (re)written, not what it says.
VOLATILE = {"ingested_at", "quarantined_at", "computed_at", "updated_at", "recorded_at",
            "run_id"}
TABLES = ("wp_sites", "site_metrics", "metric_quarantine", "performance_baselines",
          "predictive_alerts", "healer_executions", "healing_patterns",
          "healing_pattern_versions", "ai_analysis_cache", "healing_pattern_signatures",
          "healing_pattern_events")


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the pipeline's tables, without bookkeeping timestamps, in a stable order."""
    state = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            columns = [row[0] for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " ORDER BY ordinal_position", [table]) if row[0] not in VOLATILE]
            column_list = ", ".join(f"{c}::text" for c in columns)
            rows = conn.execute(f"SELECT {column_list} FROM {table}").fetchall()
            state[table] = sorted(rows, key=lambda row: tuple(v or "" for v in row))
    return state


def scalar(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def check_ingest(url, generated, tasks):
    [plan] = tasks["plan"]  # a file load is one shard
    assert plan["files"] and plan["missing_days"] == []
    expected_rows = generated["sites"] * DAYS * 288
    assert scalar(url, "SELECT count(*) FROM site_metrics") >= expected_rows * 0.99
    assert scalar(url, "SELECT count(*) FROM metric_quarantine") > 0


def check_baselines(url, generated, tasks):
    assert scalar(url, "SELECT count(DISTINCT site_id) FROM performance_baselines") == (
        generated["sites"])


def check_detection(url, generated, tasks):
    assert scalar(url, "SELECT count(*) FROM predictive_alerts WHERE NOT (confidence BETWEEN 0"
                       " AND 1)") == 0
    score = score_alerts(url)
    assert score["incidents"] == generated["incidents"] > 0
    assert score["alerts"] > 0 and score["matched_incidents"] == score["incidents"], score
    assert score["precision"] >= 0.5, score


def check_analysis(url, generated, tasks):
    claimed = sum(len(shard) for shard in tasks["claim"])
    assert tasks["summarize"]["claimed"] == claimed > 0
    assert tasks["summarize"]["outcome"] == {"DONE": claimed}
    assert tasks["summarize"]["shards"] == len(tasks["claim"]) == len(tasks["analyze"])
    assert scalar(url, "SELECT count(*) FROM healer_executions WHERE status = 'FAILED'"
                       " AND ai_status IS DISTINCT FROM 'DONE'") == 0
    assert scalar(url, "SELECT count(*) FROM ai_analysis_cache") > 0
    # every analysis fed a pattern (or says why none): matched, created or none to learn
    assert scalar(url, "SELECT count(*) FROM healer_executions WHERE ai_status = 'DONE'"
                       " AND ai_pattern_match IS NULL") == 0
    assert scalar(url, "SELECT count(*) FROM healing_patterns WHERE origin = 'analysis'"
                       " AND ai_enhanced AND ai_confidence > 0 AND NOT auto_approved") > 0
    assert scalar(url, "SELECT count(*) FROM healer_executions WHERE"
                       " (ai_suggestion->>'used')::boolean") > 0


def check_patterns(url, generated, tasks):
    assert scalar(url, "SELECT count(*) FROM healing_patterns WHERE success_count > 0") > 0
    summary = tasks["refresh_patterns"]
    assert summary["candidates"] > 0 and summary["learned"] == 0  # learned at the write-back
    assert scalar(url, "SELECT count(*) FROM healing_patterns WHERE origin = 'analysis'"
                       " AND auto_approved") == 0  # no evidence of their own yet


def check_purge(url, generated, tasks):
    assert tasks["purge_expired_cache"]["deleted"] > 0
    assert scalar(url, "SELECT count(*) FROM ai_analysis_cache WHERE expires_at <= now()") == 0


CHECKS = {"site_metrics_ingest": check_ingest, "performance_baselines": check_baselines,
          "anomaly_detection": check_detection, "ai_failure_analysis": check_analysis,
          "pattern_effectiveness": check_patterns, "ai_cache_purge": check_purge}


@pytest.mark.slow
def test_demo_pipeline_end_to_end_and_reruns_change_nothing(airflow_db, tmp_path):
    url = airflow_db
    drop_dir = tmp_path / "drop"
    generated = generate_fleet(url, sites=5, days=DAYS, seed=11, end=END, drop_dir=drop_dir)
    assert generated["sites"] == 5
    # The fleet's executions reach back months: analyses older than the cache TTL, dated
    # when they happened, leave expired cache rows for the purge (as in the demo).
    replayed = replay_earlier_analyses(url, END)
    assert replayed["cache_rows"] > 0

    demo = DemoRun(url=url, start=END - timedelta(days=DAYS), end=END, generated=generated)
    for dag_id, logical_date, conf in demo_schedule(demo.start, END, drop_dir):
        first = run_dag(dag_id, logical_date=logical_date, conf=conf)
        assert first["state"] == "success", dag_id
        CHECKS[dag_id](url, generated, first["tasks"])
        demo.dag_runs[dag_id] = first["tasks"]
        after_first = snapshot(url)
        second = run_dag(dag_id, logical_date=logical_date, conf=conf)
        assert second["state"] == "success", dag_id
        after_second = snapshot(url)
        changed = [t for t in TABLES if after_first[t] != after_second[t]]
        assert not changed, f"re-running {dag_id} changed {changed}"

    # The demo's summary table reads the same task summaries (by task id).
    demo.detection_score = score_alerts(url)
    figures = dict(summary_rows(demo))
    assert figures["cache rows purged"] == str(
        demo.dag_runs["ai_cache_purge"]["purge_expired_cache"]["deleted"])
    assert figures["incidents matched / missed"] == f"{generated['incidents']} / 0"

    # An operator labels what they checked; the report then measures the plan's metrics on
    # the fleet's own data, and agrees with the ground-truth evaluation.
    from healer_ops.devkit.evaluate.operator_labels import label_from_truth
    from healer_ops.operate.report import report

    labelled = label_from_truth(url)
    assert labelled["alerts_labelled"] == demo.detection_score["alerts"]
    result = report(url, since=END - timedelta(days=200), until=datetime.now(UTC))
    metrics = result["metrics"]
    assert metrics["alert_precision"]["value"] == pytest.approx(
        demo.detection_score["precision"], abs=1e-4)
    assert metrics["diagnosis_accuracy"]["labelled"] == labelled["diagnoses_labelled"] > 0
    assert metrics["diagnosis_accuracy"]["value"] == pytest.approx(
        1 - labelled["diagnoses_wrong"] / labelled["diagnoses_labelled"], abs=1e-4)
    assert metrics["cache_hit_rate"]["analyses"] > 0
    assert metrics["pattern_auto_approval"]["good"] > 0
    assert result["lead_time"]["outages"] >= 1
