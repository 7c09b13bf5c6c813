"""Runs as engineers start them: every DAG without a logical date (the UI's trigger button,
the REST API), probes fanned out over shards, and history loaded one day per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pendulum
import pytest
from test_ingest_dag import DAYS, write_days

from healer_ops.devkit.dagrun import run_dag
from healer_ops.devkit.fleet.server import FleetServer, register_sites
from healer_ops.intervals import effective_interval
from healer_ops.settings import reset_settings

SITES = 7


@pytest.fixture
def served_fleet(airflow_db):
    with FleetServer(SITES, incidents=[], profiles={i: "healthy" for i in range(1, 8)}) as fleet:
        ids = register_sites(airflow_db, fleet.base_url, SITES)
        yield ids


def test_a_run_without_a_logical_date_covers_the_period_before_it_was_triggered():
    triggered = datetime(2025, 3, 1, 10, 7, 3, 123456, tzinfo=UTC)
    assert effective_interval(None, None, timedelta(minutes=5), triggered) == (
        datetime(2025, 3, 1, 10, 2, 3, tzinfo=UTC), datetime(2025, 3, 1, 10, 7, 3, tzinfo=UTC))
    with pytest.raises(ValueError, match="run_after"):
        effective_interval(None, None, timedelta(days=1))


@pytest.mark.parametrize("dag_id", sorted(
    p.stem for p in (Path(__file__).resolve().parents[2] / "dags").glob("*.py")
    if not p.name.startswith("_")))  # every DAG file is named after its DAG
def test_every_dag_runs_without_a_logical_date(served_fleet, dag_id, tmp_path):
    conf = {"drop_dir": str(tmp_path)} if dag_id == "site_metrics_backfill" else None
    run = run_dag(dag_id, without_logical_date=True, conf=conf)
    assert run["state"] == "success", run


def test_a_manual_probe_fans_out_over_shards_and_loads_each_site_once(
        served_fleet, airflow_db, conn, monkeypatch):
    monkeypatch.setenv("HEALER_PROBE_SHARD_SIZE", "3")
    reset_settings()
    run = run_dag("site_metrics_ingest", without_logical_date=True)
    assert run["state"] == "success", run
    shards = run["tasks"]["plan"]
    assert [(s["shard"], s["shards"]) for s in shards] == [(0, 3), (1, 3), (2, 3)]
    assert [s["probed"] for s in run["tasks"]["load"]] == [3, 3, 1]
    summary = run["tasks"]["summarize"]
    assert (summary["probed"], summary["loaded"], summary["shards"]) == (SITES, SITES, 3)
    rows = conn.execute("SELECT site_id::text, count(*), min(observed_at) FROM site_metrics"
                        " GROUP BY 1").fetchall()
    assert sorted(r[0] for r in rows) == sorted(served_fleet) and {r[1] for r in rows} == {1}
    observed = rows[0][2]
    assert observed == datetime.fromisoformat(summary["end"])  # the slot it was triggered in
    assert datetime.now(UTC) - observed < timedelta(minutes=5)


def test_history_loads_one_day_per_run_and_a_rerun_changes_nothing(airflow_db, conn,
                                                                   tmp_path):
    for i, site in enumerate(["d0000000-0000-4000-8000-000000000001",
                              "d0000000-0000-4000-8000-000000000002"]):
        conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                     [site, f"day{i}.test", f"http://day{i}.test/"])
    conn.commit()
    good_rows = write_days(tmp_path)
    conf = {"drop_dir": str(tmp_path), "start": None, "end": None}
    for day in DAYS:  # a daily backfill's runs: logical date = the day, interval = that day
        run = run_dag("site_metrics_backfill", logical_date=pendulum.instance(day) +
                      timedelta(days=1), conf=conf)
        assert run["state"] == "success", run
        summary = run["tasks"]["load"]
        assert (summary["start"], summary["end"]) == (
            day.isoformat(), (day + timedelta(days=1)).isoformat())
        assert (summary["loaded"], summary["quarantined"]) == (192, 2)
    assert conn.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == good_rows
    again = run_dag("site_metrics_backfill", logical_date=pendulum.instance(DAYS[1]) +
                    timedelta(days=1), conf=conf)
    assert again["tasks"]["load"]["changed_rows"] == 0
