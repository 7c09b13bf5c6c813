"""The demo fleet generator: deterministic metrics with visible incidents, day files with bad
rows, executions and patterns, written to a real PostgreSQL and upserted on re-runs."""

from __future__ import annotations

import csv
import re
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.devkit.fleet import history
from healer_ops.devkit.fleet.day_files import BAD_ROW_KINDS
from healer_ops.devkit.fleet.generator import generate_fleet
from healer_ops.devkit.fleet.incidents import ALERT_TYPES, INCIDENT_TYPES
from healer_ops.devkit.fleet.metrics import METRIC_COLUMNS, generate_metrics

END = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fleet():
    return generate_metrics(40, 14, seed=11, end=END)


def test_same_seed_same_data_other_seed_other_data(fleet):
    again = generate_metrics(40, 14, seed=11, end=END)
    pd.testing.assert_frame_equal(fleet.frame, again.frame)
    assert [i.row() for i in fleet.incidents] == [i.row() for i in again.incidents]
    other = generate_metrics(40, 14, seed=12, end=END)
    assert not np.allclose(other.frame["response_time_ms"].fillna(0),
                           fleet.frame["response_time_ms"].fillna(0))
    assert list(other.frame["site_id"].unique()) == list(fleet.frame["site_id"].unique())


def test_grid_columns_and_seasonality(fleet):
    frame = fleet.frame
    assert list(frame.columns) == METRIC_COLUMNS
    assert len(frame) == 40 * 14 * 288
    times = frame["observed_at"]
    assert times.max() == pd.Timestamp(END) - pd.Timedelta(minutes=5)
    assert times.min() == pd.Timestamp(END) - pd.Timedelta(days=14)
    assert (times.dt.minute % 5 == 0).all() and (times.dt.second == 0).all()
    assert not frame.duplicated(["site_id", "observed_at"]).any()
    clean_ids = {s.id for s in fleet.sites} - {i.site_id for i in fleet.incidents}
    one = frame[frame["site_id"] == sorted(clean_ids)[0]].set_index("observed_at")
    hourly = one["response_time_ms"].groupby(one.index.hour).median()
    assert hourly.max() / hourly.min() > 1.2  # a daily cycle, not flat noise


def test_incidents_are_labelled_spread_and_visible(fleet):
    frame, incidents = fleet.frame, fleet.incidents
    assert 40 // 5 <= len(incidents) <= 40 // 3
    assert {i.incident_type for i in incidents} == set(INCIDENT_TYPES)
    assert len({i.site_id for i in incidents}) == len(incidents)
    clean_until = pd.Timestamp(END) - pd.Timedelta(days=14) + pd.Timedelta(days=5)
    by_site = dict(tuple(frame.groupby("site_id")))
    for incident in incidents:
        assert set(incident.expected_alert_types) <= set(ALERT_TYPES)
        assert incident.starts_at <= incident.ends_at
        site = by_site[incident.site_id].set_index("observed_at")
        window = site.loc[incident.starts_at:incident.ends_at]
        history_part = site.loc[:clean_until]
        kind = incident.incident_type
        if kind != "cert_expiry":
            assert incident.starts_at >= clean_until
        if kind == "slow_degradation":
            outage = site.loc[incident.outage_at:incident.ends_at]
            assert outage["error"].all()
            before = site.loc[incident.outage_at - timedelta(hours=3):incident.outage_at
                              - timedelta(minutes=5)]
            assert before["response_time_ms"].median() > 2 * history_part[
                "response_time_ms"].median()
            assert incident.details["lead_window"]["hours"] >= 6
        elif kind == "error_spike":
            assert window["error"].mean() >= 0.3 and window["error"].iloc[0]
            assert incident.outage_at is None
        elif kind == "white_screen":
            assert (window["page_size_bytes"] <= 500).all()
            assert (window["status_code"] == incident.details["status_code"]).all()
            assert history_part.loc[~history_part["error"], "page_size_bytes"].min() > 5000
        else:
            left = site["cert_expires_at"].iloc[-1] - pd.Timestamp(END)
            assert pd.Timedelta(days=1) <= left <= pd.Timedelta(days=6)


def test_clean_fleet_has_no_incidents():
    clean = generate_metrics(30, 7, seed=3, end=END, incidents=False)
    assert clean.incidents == []
    frame = clean.frame
    assert frame["error"].mean() < 0.002  # only isolated blips
    # no error ever persists: never two failed probes in a row on a site
    errors = frame.pivot(index="observed_at", columns="site_id", values="error")
    assert not (errors & errors.shift(1, fill_value=False)).to_numpy().any()
    assert frame.loc[~frame["error"], "page_size_bytes"].min() > 5000
    https = frame["cert_expires_at"].dropna()
    assert (https - pd.Timestamp(END) > pd.Timedelta(days=30)).all()


def test_fleet_in_database_and_rerun_upserts(db_url, conn, tmp_path):
    first = generate_fleet(db_url, sites=8, days=3, seed=5, end=END, drop_dir=tmp_path / "drop",
                           metrics_to_db=True)
    counts = _counts(conn)
    assert counts["wp_sites"] == 8
    assert counts["site_metrics"] == first["metric_rows"] == 8 * 3 * 288
    assert counts["devkit.demo_incidents"] == first["incidents"] >= 4
    assert counts["healer_executions"] == first["executions"]
    assert counts["devkit.demo_execution_truth"] == first["executions"]
    assert counts["healing_patterns"] == first["patterns"] == len(history.PATTERN_CATALOGUE)
    assert counts["devkit.demo_pattern_truth"] == first["patterns"]
    # ground truth stays in the devkit's schema, never in the product's tables
    assert conn.execute("SELECT count(*) FROM healer_executions WHERE diagnosis_details::text"
                        " ~ 'true_type|fault_id'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM healing_patterns WHERE details::text"
                        " ~ 'ground_truth|good'").fetchone()[0] == 0
    fingerprint = _fingerprint(conn)

    second = generate_fleet(db_url, sites=8, days=3, seed=5, end=END,
                            drop_dir=tmp_path / "drop", metrics_to_db=True)
    assert second == first
    assert _counts(conn) == counts
    assert _fingerprint(conn) == fingerprint

    sites = conn.execute("SELECT domain, url, path, healing_mode FROM wp_sites").fetchall()
    assert all(re.fullmatch(r"site-\d{3}\.example\.test", d) for d, *_ in sites)
    assert len({p.rsplit("/", 1)[0].split("/")[1] for _, _, p, _ in sites}) >= 2  # var, home..
    incidents = conn.execute("SELECT incident_type, expected_alert_types, details "
                             "FROM devkit.demo_incidents").fetchall()
    assert {t for t, *_ in incidents} == set(INCIDENT_TYPES)


def _counts(conn) -> dict:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("wp_sites", "site_metrics", "devkit.demo_incidents", "healer_executions",
                      "devkit.demo_execution_truth", "healing_patterns",
                      "devkit.demo_pattern_truth")}


def _fingerprint(conn) -> tuple:
    return tuple(conn.execute(sql).fetchone()[0] for sql in (
        "SELECT md5(string_agg(id::text || status || logs_analyzed, ',' ORDER BY id))"
        " FROM healer_executions",
        "SELECT md5(string_agg(site_id::text || observed_at || coalesce(response_time_ms, -1),"
        " ',' ORDER BY site_id, observed_at)) FROM site_metrics",
        "SELECT md5(string_agg(id::text || commands::text || error_pattern, ',' ORDER BY id))"
        " FROM healing_patterns"))


def test_day_files_hold_every_kind_of_bad_row(db_url, tmp_path):
    summary = generate_fleet(db_url, sites=6, days=3, seed=9, end=END, drop_dir=tmp_path)
    files = sorted(tmp_path.glob("site_metrics_*.csv"))
    assert summary["day_files"] == len(files) == 4  # a 3-day window spans 4 calendar days
    known = {s.id for s in generate_metrics(6, 3, 9, END).sites}
    found = dict.fromkeys(BAD_ROW_KINDS, 0)
    good_rows = 0
    for path in files:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == METRIC_COLUMNS
            seen = set()
            for row in reader:
                kind = _bad_kind(row, known, seen)
                if kind:
                    found[kind] += 1
                else:
                    good_rows += 1
    assert found == summary["bad_rows_by_kind"]
    assert all(count >= 1 for count in found.values())
    assert summary["bad_rows"] == sum(found.values()) < 0.01 * good_rows


def _bad_kind(row: dict, known: set[str], seen: set) -> str | None:
    key = tuple(row.values())
    if key in seen:
        return "duplicate"
    seen.add(key)
    if row["site_id"] not in known:
        return "unknown_site"
    if datetime.fromisoformat(row["observed_at"]) > datetime.now(UTC) + timedelta(days=365):
        return "future_time"
    for name in ("response_time_ms", "ttfb_ms", "page_size_bytes"):
        if row[name] and not re.fullmatch(r"-?\d+(\.\d+)?", row[name]):
            return "unparsable_number"
    if row["page_size_bytes"].startswith("-"):
        return "negative_size"
    if row["status_code"] in ("0", "999"):
        return "bad_status"
    return None


def test_executions_have_varied_labelled_logs_and_planted_secrets():
    metrics = generate_metrics(20, 14, seed=7, end=END)
    plan = history.build_history(metrics.sites, metrics.incidents, 7, END, 14)
    executions = plan.executions
    true_types = {e.truth["true_type"] for e in executions}
    assert true_types <= set(DIAGNOSIS_TYPES)
    assert len(true_types) >= 14
    # Phase 1's own diagnosis is kept and is sometimes wrong, as it was
    assert any(e.diagnosis_type != e.truth["true_type"] for e in executions)
    logs = [e.logs_analyzed for e in executions]
    assert len(set(logs)) >= 0.97 * len(logs)
    assert any("PHP Parse error:  syntax error" in log for log in logs)
    assert any("/home/" in log for log in logs) and any("/var/www/" in log for log in logs)
    kinds = {kind for e in executions for kind, _ in e.planted_secrets}
    assert {"db_password", "email", "ip", "db_user"} <= kinds
    for e in executions:
        for _, secret in e.planted_secrets:
            assert secret in e.logs_analyzed + e.execution_logs
    # the same fault recurs on several sites
    by_fault = {}
    for e in executions:
        by_fault.setdefault(e.truth["fault_id"], set()).add(e.site_id)
    assert max(len(sites) for sites in by_fault.values()) >= 5
    incident_ids = {e.truth["incident_id"] for e in executions} - {None}
    assert incident_ids >= {i.id for i in metrics.incidents
                            if i.incident_type != "cert_expiry"}
    for e in executions:
        assert e.status in ("SUCCESS", "FAILED", "SKIPPED")
        assert e.was_successful is {"SUCCESS": True, "FAILED": False, "SKIPPED": None}[e.status]
        assert e.started_at <= END


def test_pattern_histories_mix_good_bad_new_and_degrading():
    metrics = generate_metrics(10, 3, seed=7, end=END)
    plan = history.build_history(metrics.sites, metrics.incidents, 7, END, 3)
    by_story = {}
    for p in plan.patterns:
        by_story.setdefault(p.spec.story, []).append(p)
    assert sum(p.spec.good for p in plan.patterns) >= 10
    assert sum(not p.spec.good for p in plan.patterns) >= 6
    assert all(p.success_count + p.failure_count <= 5 for p in by_story["new"])
    raw = [p for p in plan.patterns if "256M --raw" in " ".join(p.spec.commands)]
    assert len(raw) == 1 and not raw[0].spec.good
    degrading = by_story["degrading"][0]
    uses = sorted((e for e in plan.executions if e.pattern_key == ("PLUGIN_CONFLICT",
                   "PHP8_TYPE_ERROR", "the-events-calendar")), key=lambda e: e.started_at)
    assert [e.was_successful for e in uses[-3:]] == [False, False, False]
    assert sum(e.was_successful for e in uses[:-5]) / len(uses[:-5]) > 0.85
    assert degrading.phase1_approved_at is not None
    lucky = by_story["lucky"][0]
    assert lucky.failure_count == 0 and lucky.phase1_approved_at is not None


def test_site_ids_are_stable_uuid5():
    sites = generate_metrics(3, 1, seed=1, end=END).sites
    assert sites[0].id == str(uuid.UUID(sites[0].id))
    assert sites[0].id == generate_metrics(3, 1, seed=99, end=END).sites[0].id
