"""site_metrics_ingest through real DAG runs (dag.test): a backfill of several days from the
drop folder, run twice, and its asset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum
import pytest

from healer_ops.devkit.dagrun import run_dag
from healer_ops.ingest.runs import load_planned, plan_ingest, resolve_mode, run_ingest

SITES = ["d0000000-0000-4000-8000-00000000000" + str(i) for i in range(1, 3)]
HEADER = "site_id,observed_at,response_time_ms,ttfb_ms,page_size_bytes,status_code,error"
DAYS = [datetime(2024, 5, d, tzinfo=UTC) for d in (1, 2, 3)]


def write_days(folder) -> int:
    """Three day files of 15-minute rows for two sites, each with two bad rows."""
    total = 0
    for day in DAYS:
        lines = [HEADER]
        for step in range(96):
            when = day + timedelta(minutes=15 * step)
            for n, site in enumerate(SITES):
                lines.append(f"{site},{when:%Y-%m-%dT%H:%M:%SZ},{300 + step + n}.5,90,50000,"
                             f"200,false")
        lines.append(f"{SITES[0]},{day:%Y-%m-%d}T12:00:00Z,12,5,-1,200,false")  # negative size
        lines.append(f"{SITES[1]},{day:%Y-%m-%d}T12:00:00Z,12,5,100,200")  # a field short
        (folder / f"site_metrics_{day:%Y-%m-%d}.csv").write_text("\n".join(lines) + "\n")
        total += 96 * len(SITES)
    return total


@pytest.fixture
def fleet(airflow_db, conn):
    for i, site in enumerate(SITES):
        conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                     [site, f"dag{i}.test", f"http://dag{i}.test/"])
    conn.commit()
    return conn


def state(conn):
    return (conn.execute("SELECT * FROM site_metrics ORDER BY site_id, observed_at").fetchall(),
            conn.execute("SELECT source, locator, raw, reasons, run_id, quarantined_at"
                         " FROM metric_quarantine ORDER BY source, locator").fetchall())


def test_backfill_of_days_through_dag_runs_twice_changes_nothing(fleet, tmp_path):
    good_rows = write_days(tmp_path)
    summaries = []
    for day in DAYS:  # one run per day, as a day-by-day backfill
        run = run_dag("site_metrics_ingest", logical_date=pendulum.instance(day),
                      conf={"mode": "files", "drop_dir": str(tmp_path),
                            "start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()})
        assert run["state"] == "success", run
        assert run["tasks"]["plan"] == [{  # a file load is one shard
            "mode": "files", "start": day.isoformat(),
            "end": (day + timedelta(days=1)).isoformat(), "site_ids": None,
            "drop_dir": str(tmp_path), "files": [f"site_metrics_{day:%Y-%m-%d}.csv"],
            "missing_days": [], "shard": 0, "shards": 1}]
        assert len(run["tasks"]["load"]) == 1
        summaries.append(run["tasks"]["summarize"])
    for summary in summaries:
        assert summary["mode"] == "files"
        assert (summary["input_rows"], summary["loaded"], summary["quarantined"]) == (194, 192, 2)
        assert summary["quarantined_by_reason"] == {"page_size_bytes:negative": 1,
                                                    "row:malformed": 1}
    first = state(fleet)
    assert len(first[0]) == good_rows and len(first[1]) == 2 * len(DAYS)
    # each run's roll_up step rolled up its day's hours (every one has ended)
    assert run["tasks"]["roll_up"]["hours"] == 24
    assert fleet.execute("SELECT count(*), sum(samples) FROM site_metrics_hourly").fetchone() \
        == (24 * len(DAYS) * len(SITES), good_rows)
    # each day is a partition of its own, made before the load
    assert fleet.execute("SELECT count(DISTINCT tableoid) FROM site_metrics").fetchone()[0] \
        == len(DAYS)
    fleet.commit()

    for day in DAYS:
        run = run_dag("site_metrics_ingest", logical_date=pendulum.instance(day),
                      conf={"mode": "files", "drop_dir": str(tmp_path),
                            "start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()})
        assert run["tasks"]["summarize"]["changed_rows"] == 0
    fleet.commit()
    assert state(fleet) == first  # not even ingested_at or quarantined_at moved


def test_a_scheduled_interval_loads_exactly_its_rows_and_emits_the_asset(fleet, tmp_path):
    write_days(tmp_path)
    # a 5-minute scheduled-style run: the timetable's interval ending at 10:05 (explicit
    # None: in one process dag.test keeps conf values of earlier runs as param defaults)
    logical = pendulum.datetime(2024, 5, 2, 10, 5, tz="UTC")
    run = run_dag("site_metrics_ingest", logical_date=logical,
                  conf={"mode": "files", "drop_dir": str(tmp_path), "start": None, "end": None})
    summary = run["tasks"]["summarize"]
    start, end = datetime.fromisoformat(summary["start"]), datetime.fromisoformat(summary["end"])
    assert end - start == timedelta(minutes=5)
    expected = sum(1 for step in range(96)
                   if start <= DAYS[1] + timedelta(minutes=15 * step) < end) * len(SITES)
    assert summary["loaded"] == expected == fleet.execute(
        "SELECT count(*) FROM site_metrics").fetchone()[0]
    assert summary["out_of_scope"] == 194 - expected

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = (session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                  .filter(AssetModel.name == "site_metrics",
                          AssetEvent.source_run_id == run["run_id"]).count())
    assert events == 1


def test_the_load_loads_its_plan_even_when_the_folder_changed_since(fleet, db_url, tmp_path):
    (tmp_path / "later").mkdir()
    write_days(tmp_path / "later")
    first = tmp_path / "later" / "site_metrics_2024-05-01.csv"
    first.rename(tmp_path / first.name)
    plan = plan_ingest(mode="files", run_type="manual", interval_start=DAYS[0],
                       interval_end=DAYS[2], drop_dir=str(tmp_path))
    assert plan["files"] == [first.name] and plan["missing_days"] == ["2024-05-02"]
    # the next day's file arrives between the plan and a retry of the load
    (tmp_path / "later" / "site_metrics_2024-05-02.csv").rename(
        tmp_path / "site_metrics_2024-05-02.csv")
    summary = load_planned(db_url, plan)
    assert summary["files"] == [first.name] and summary["loaded"] == 192
    assert load_planned(db_url, plan)["changed_rows"] == 0  # and a second retry changes nothing


def test_a_missing_drop_folder_fails_the_plan_and_loads_nothing(fleet, tmp_path, quick_retries):
    quick_retries("site_metrics_ingest")
    run = run_dag("site_metrics_ingest", logical_date=pendulum.instance(DAYS[1]),
                  conf={"mode": "files", "drop_dir": str(tmp_path / "nowhere"),
                        "start": DAYS[0].isoformat(), "end": DAYS[1].isoformat()})
    assert run["state"] == "failed"
    assert run["tries"]["plan"] == 4 and "load" not in run["tasks"]
    assert fleet.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == 0


def test_backfill_runs_default_to_files_and_probe_refuses_history():
    assert resolve_mode("auto", "backfill") == "files"
    assert resolve_mode("auto", "scheduled") == "probe"
    assert resolve_mode("probe", "backfill") == "probe"
    with pytest.raises(ValueError, match="mode must be"):
        resolve_mode("both", "manual")


def test_probe_mode_refuses_an_old_interval(db_url):
    old = datetime(2024, 5, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="probe mode observes the present"):
        run_ingest(db_url, mode="probe", run_type="manual", interval_start=old,
                   interval_end=old + timedelta(minutes=5))
