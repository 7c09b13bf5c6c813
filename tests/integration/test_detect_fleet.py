"""Fleet detection on real PostgreSQL: incidents found, clean fleets quiet, one alert per
problem across consecutive runs, idempotent re-runs, and both DAGs through dag.test()."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.stats import theilslopes

from healer_ops.detect import alerts
from healer_ops.detect.alerts import Trigger
from healer_ops.detect.fleet import RULES, detect_fleet, detect_new_data, for_step
from healer_ops.detect.forecast import rolling_trends, theil_sen, time_to_cross
from healer_ops.devkit.evaluate.alerts import score_alerts
from healer_ops.devkit.fleet.generator import generate_fleet

END = datetime(2026, 3, 2, tzinfo=UTC)
CORE = ("dedup_key", "alert_type", "opened_at", "status", "last_seen_at", "resolved_at",
        "severity", "prediction")


def _alerts(conn, columns="*") -> list[dict]:
    cur = conn.execute(f"SELECT {columns} FROM predictive_alerts ORDER BY dedup_key, opened_at")
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# ------------------------------------------------------------------------- unit pieces

def test_theil_sen_matches_scipy():
    rng = np.random.default_rng(3)
    x = np.arange(24, dtype=float)
    y = 0.3 * x + rng.standard_t(2, size=(5, 24))
    y[2, [3, 7, 8]] = np.nan
    fit = theil_sen(x, y, x_now=0.0)
    for row in range(5):
        keep = ~np.isnan(y[row])
        expected = theilslopes(y[row, keep], x[keep], method="joint")
        assert fit.slope[row] == pytest.approx(expected.slope)
        assert fit.level[row] == pytest.approx(expected.intercept)
    assert fit.points[2] == 21 and np.all(fit.tau > 0.5)


def test_rolling_trends_and_time_to_cross():
    hours = np.log(np.linspace(1.0, 2.0, 30))[:, None] * np.ones((1, 2))
    hours[:, 1] = 0.0  # a flat series never crosses
    trend = rolling_trends(hours, np.array([29, 29]), np.array([0, 1]), span=24)
    assert trend.slope[0] > 0 and trend.tau[0] == pytest.approx(1.0)
    assert trend.slope[1] == 0
    eta = time_to_cross(trend.level, trend.slope, np.log(3.0))
    assert 0 < eta[0] < np.inf and eta[1] == np.inf
    assert time_to_cross(np.array([2.0]), np.array([0.1]), 1.0)[0] == 0.0


def _track(flags, hot=None, start=0, k=2, n=3, recover=3, open_at_start=False):
    flag = np.array(flags, dtype=bool)
    hot = flag if hot is None else np.array(hot, dtype=bool)
    return alerts.track(flag, hot, np.ones(flag.size, bool), start, Trigger(k, n, recover),
                        open_at_start)


def test_trigger_window_needs_k_of_n():
    assert _track([1, 0, 0, 1, 0, 0, 0, 0]) == []
    # opens at the second flag of three, first anomalous is the first one
    assert _track([0, 1, 0, 1, 0, 0, 0, 0]) == [(3, 1, 3, 6)]


def test_flapping_metric_is_one_alert_and_recovery_waits():
    flags = [1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0]
    assert _track(flags) == [(1, 0, 7, 10)]
    # hot (not yet normal) cells keep it open even without new flags
    hot = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert _track([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], hot=hot) == [(1, 0, 1, 7)]


def test_alert_open_at_start_continues_and_look_back_only_fills_windows():
    # open before `start`: no new opening, recovery counts from the look-back
    assert _track([1, 1, 0, 0, 1, 0, 0, 0], start=3, open_at_start=True) == [
        (None, None, 4, 7)]
    # flags before `start` can complete a trigger at `start`, not open one earlier
    assert _track([0, 1, 1, 1, 0, 0, 0], start=3) == [(3, 1, 3, 6)]
    # still open at the end of the run
    assert _track([0, 1, 1, 1], start=0) == [(2, 1, 3, None)]
    assert _track([0, 0, 0], start=0, open_at_start=True) == [(None, None, None, 2)]


# ------------------------------------------------------------------------ demo fleets

@pytest.fixture
def small_fleet(db_url):
    summary = generate_fleet(db_url, sites=6, days=4, seed=3, end=END, metrics_to_db=True)
    assert set(summary["incidents_by_type"].values()) == {1}
    return db_url


def test_finds_each_injected_incident_type(small_fleet, conn):
    summary = detect_fleet(small_fleet, END - timedelta(days=4), END)
    report = score_alerts(small_fleet)
    assert report["recall"] == 1.0 and report["precision"] >= 0.9, report["false"]
    for kind, counts in report["by_incident_type"].items():
        assert counts["matched"] == counts["expected_type"] == 1, kind
    assert report["lead_times"]["before_outage"] == 1 and report["lead_times"]["min_hours"] > 1
    assert summary["opened"] == report["alerts"]
    rows = _alerts(conn)
    degradation = next(r for r in rows if r["alert_type"] == "PERFORMANCE_DEGRADATION")
    assert "baseline" in degradation["prediction"] and " ms" in degradation["prediction"]
    assert degradation["current_metrics"]["ratio"] >= 1.25
    assert degradation["baseline_metrics"]["median_response_time_ms"] > 0
    assert degradation["current_metrics"]["at_open"]["at"] == degradation["opened_at"].isoformat()
    assert all(0 <= r["anomaly_score"] <= 100 and 0 < r["confidence"] < 1 for r in rows), [
        (r["alert_type"], r["anomaly_score"], r["confidence"]) for r in rows]
    cert = next(r for r in rows if r["alert_type"] == "SSL_EXPIRY")
    assert cert["status"] == "open" and cert["predicted_at"] > END
    assert cert["current_metrics"]["days_left"] <= 14
    # the run stored the trailing baselines it judged against, for later runs to reuse
    assert conn.execute("SELECT count(DISTINCT period_end) FROM performance_baselines"
                        ).fetchone()[0] >= 3


def test_sparser_probes_get_longer_cells(small_fleet, conn):
    conn.execute("DELETE FROM site_metrics WHERE date_part('minute', observed_at)::int % 15 <> 0")
    conn.commit()
    summary = detect_fleet(small_fleet, END - timedelta(days=4), END)
    assert summary["observations"] == 6 * 4 * 96
    report = score_alerts(small_fleet)
    assert report["precision"] == 1.0, report["false"]
    found = {kind for kind, counts in report["by_incident_type"].items() if counts["matched"]}
    assert {"slow_degradation", "white_screen", "cert_expiry"} <= found
    assert report["lead_times"]["before_outage"] == 1


def test_rules_keep_their_time_on_longer_cells():
    rules = for_step(RULES, 900)
    assert rules.perf_window == 4 and rules.error_window == 4   # one hour
    assert rules.down_window == 3 and rules.outage_cells == 3   # at least 3 probes
    assert rules.triggers["PERFORMANCE_DEGRADATION"] == Trigger(k=8, n=8, recover=8)
    assert for_step(RULES, 300) is RULES


def test_clean_fleet_stays_quiet(db_url, conn):
    generate_fleet(db_url, sites=8, days=4, seed=5, end=END, metrics_to_db=True,
                   incidents=False)
    summary = detect_fleet(db_url, END - timedelta(days=4), END)
    assert summary["observations"] == 8 * 4 * 288
    assert summary["opened"] == 0 and _alerts(conn) == []


def test_rerunning_an_interval_leaves_the_same_rows(small_fleet, conn):
    since, until = END - timedelta(days=3), END - timedelta(hours=6)
    detect_fleet(small_fleet, since, until)
    first = _alerts(conn)
    again = detect_fleet(small_fleet, since, until)
    assert first and _alerts(conn) == first  # ids and updated_at included
    assert again["rows_changed"] == 0 and again["superseded"] == 0


def test_consecutive_runs_give_the_alerts_of_one_run(small_fleet, conn):
    start = END - timedelta(days=4)
    detect_fleet(small_fleet, start, END)
    whole = _alerts(conn, ", ".join(CORE))
    assert len(whole) >= 3, "the one-run reference must have alerts to compare against"
    conn.execute("DELETE FROM predictive_alerts")
    conn.commit()
    bounds = [start + timedelta(hours=h) for h in range(0, 4 * 24 + 1, 7)] + [END]
    for since, until in zip(bounds, bounds[1:], strict=False):
        detect_fleet(small_fleet, since, until)
    assert _alerts(conn, ", ".join(CORE)) == whole


# ---------------------------------------------------------- one problem, one alert

def _synthetic_site(conn, days: float, errors_at: list[datetime],
                    slowdown: tuple[datetime, float] | None = None,
                    switch: tuple[datetime, float, int] | None = None) -> str:
    """A quiet site with 5-minute probes over `days` days before END; 500s at `errors_at`;
    from slowdown[0] on, response times grow by slowdown[1] (a fraction) per day; from
    switch[0] on, response times are switch[1] times as long and pages switch[2] bytes."""
    site_id = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                 [site_id, f"site-{site_id[:8]}.example", f"https://site-{site_id[:8]}.example/"])
    rng = np.random.default_rng(11)
    errors = set(errors_at)
    with conn.cursor().copy("COPY site_metrics (site_id, observed_at, response_time_ms, ttfb_ms,"
                            " page_size_bytes, status_code, error) FROM STDIN") as copy:
        for step in range(int(days * 288)):
            when = END - timedelta(days=days) + timedelta(minutes=5 * step)
            rt = float(300 * rng.lognormal(0, 0.1))
            if slowdown and when >= slowdown[0]:
                rt *= (1 + slowdown[1]) ** ((when - slowdown[0]) / timedelta(days=1))
            page = 50_000
            if switch and when >= switch[0]:
                rt, page = rt * switch[1], switch[2]
            failed = when in errors
            copy.write_row((site_id, when, rt, rt * 0.4, 900 if failed else page,
                            500 if failed else 200, failed))
    conn.commit()
    return site_id


def test_alert_is_updated_while_it_lasts_and_resolved_once(db_url, conn):
    day = END - timedelta(days=1)
    burst = [day + timedelta(minutes=m) for m in (0, 5, 15)]  # (3 in a row would be an outage)
    # quiet for an hour, then every other probe fails: flapping, never 60% down
    flaps = [day + timedelta(minutes=m) for m in (75, 85, 95, 105, 115, 125)]
    _synthetic_site(conn, 3, burst + flaps)

    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=30))
    (opened,) = _alerts(conn)
    assert opened["alert_type"] == "ERROR_SPIKE" and opened["status"] == "open"
    # 3 errors in an hour against a quiet site's floor rate: opens at the third
    assert opened["opened_at"] == burst[2]
    assert opened["current_metrics"]["first_anomalous_at"] == burst[2].isoformat()
    assert opened["severity"] == "HIGH"

    detect_fleet(db_url, day + timedelta(minutes=30), day + timedelta(minutes=130))
    (ongoing,) = _alerts(conn)
    assert ongoing["id"] == opened["id"] and ongoing["status"] == "open"
    assert ongoing["last_seen_at"] == flaps[-1] and ongoing["severity"] == "CRITICAL"
    assert ongoing["current_metrics"]["errors"] > opened["current_metrics"]["errors"]

    detect_fleet(db_url, day + timedelta(minutes=130), END)
    (resolved,) = _alerts(conn)
    assert resolved["id"] == opened["id"] and resolved["status"] == "resolved"
    assert resolved["resolved_at"] >= flaps[-1] + timedelta(hours=1)
    assert resolved["opened_at"] == opened["opened_at"]


def test_fast_small_pages_with_200_are_one_error_page_alert(db_url, conn):
    switch = END - timedelta(hours=6)
    # a 0.6x page alone is not far enough for the page-size rule (2x): speed corroborates it
    error_page = _synthetic_site(conn, 3, [], switch=(switch, 0.3, 30_000))
    _synthetic_site(conn, 3, [], switch=(switch, 0.3, 50_000))  # only faster
    _synthetic_site(conn, 3, [], switch=(switch, 1.0, 30_000))  # only smaller
    detect_fleet(db_url, END - timedelta(days=2), END)
    (alert,) = _alerts(conn)
    assert alert["site_id"] == uuid.UUID(error_page)
    assert alert["alert_type"] == "PAGE_SIZE_ANOMALY" and alert["severity"] == "HIGH"
    assert alert["status"] == "open" and switch < alert["opened_at"] < switch + timedelta(hours=1)
    assert "probably serving an error, maintenance or blank page" in alert["prediction"]
    current = alert["current_metrics"]
    assert current["error_page"] is True and current["rt_ratio"] <= 0.4
    assert current["ratio"] == pytest.approx(0.6)


def test_trend_forecast_predicts_when_the_limit_is_crossed(db_url, conn):
    growth = 0.6  # +60% a day from 2 days before END: 3x baseline 2.34 days after it starts
    ramp_start = END - timedelta(days=2)
    site_id = _synthetic_site(conn, 10, [], slowdown=(ramp_start, growth))
    detect_fleet(db_url, END - timedelta(days=3), END)
    (alert,) = _alerts(conn)
    assert alert["site_id"] == uuid.UUID(site_id)
    assert alert["alert_type"] == "PERFORMANCE_DEGRADATION" and alert["status"] == "open"
    opening = alert["current_metrics"]["at_open"]
    assert "rising" in opening["prediction"] and "expected to pass" in opening["prediction"]
    crossing = ramp_start + timedelta(days=np.log(3) / np.log(1 + growth))
    for predicted in (datetime.fromisoformat(opening["predicted_at"]), alert["predicted_at"]):
        assert abs(predicted - crossing) < timedelta(hours=12), (predicted, crossing)
    assert alert["current_metrics"]["growth_per_day"] == pytest.approx(growth, abs=0.25)


def test_error_forecast_of_a_rising_error_rate(db_url, conn):
    start = END - timedelta(hours=12)
    # one more failing probe every hour, spread out (never an outage): 0/12, 1/12, 2/12, ...
    errors = [start + timedelta(hours=h, minutes=5 * (12 // h) * i)
              for h in range(1, 12) for i in range(h) if 12 // h * i < 12]
    _synthetic_site(conn, 3, errors)
    detect_fleet(db_url, END - timedelta(days=1), END)
    spike = next(r for r in _alerts(conn) if r["alert_type"] == "ERROR_SPIKE")
    assert "errors" in spike["prediction"] and "rising" in spike["prediction"]
    assert spike["severity"] == "CRITICAL"


def test_new_data_runs_move_the_watermark(db_url, conn):
    day = END - timedelta(days=1)
    site_id = _synthetic_site(conn, 2, [day + timedelta(minutes=m) for m in range(0, 60, 5)])
    first = detect_new_data(db_url)
    latest_cell = END - timedelta(minutes=5)  # holds the newest sample: waits for the next run
    assert first["scored"] and first["until"] == latest_cell.isoformat()
    assert first["by_type"]["DOWNTIME"]["opened"] == 1
    mark = conn.execute("SELECT processed_until FROM detection_watermarks").fetchone()[0]
    assert mark == latest_cell
    rows = _alerts(conn)
    assert detect_new_data(db_url)["scored"] is False  # nothing new
    assert _alerts(conn) == rows
    # an hour of outage arrives: the next run scores exactly that, the alert opens
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, status_code, error)"
                 " SELECT %s, t, 503, true FROM generate_series(%s::timestamptz,"
                 " %s::timestamptz, interval '5 minutes') AS t",
                 [site_id, END, END + timedelta(minutes=55)])
    conn.commit()
    third = detect_new_data(db_url)
    assert third["since"] == latest_cell.isoformat()
    assert third["until"] == (END + timedelta(minutes=55)).isoformat()
    assert third["by_type"]["DOWNTIME"]["opened"] == 1 and third["open_total"] == 1
    with pytest.raises(ValueError, match="since"):
        detect_new_data(db_url, since="yesterday-ish")


# ------------------------------------------------------------------------------- DAGs

@pytest.mark.slow
def test_dags_compute_baselines_and_alerts_and_rerun_unchanged(airflow_db, conn):
    from healer_ops.devkit.dagrun import run_dag

    generate_fleet(airflow_db, sites=5, days=4, seed=3, end=END, metrics_to_db=True)
    baselines = run_dag("performance_baselines", logical_date=END, conf={"days": 7})
    assert baselines["state"] == "success"
    assert baselines["tasks"]["compute_baselines"]["sites"] == 5
    stored = _baselines_ending(conn, END)

    detection = run_dag("anomaly_detection", logical_date=END)
    assert detection["state"] == "success"
    summary = detection["tasks"]["write_alerts"]
    assert summary["scored"] and summary["opened"] >= 4 and summary["watermark_advanced"]
    assert score_alerts(airflow_db)["recall"] == 1.0
    alerts_after = _alerts(conn)

    again = run_dag("anomaly_detection", logical_date=END + timedelta(minutes=1))
    assert again["state"] == "success"
    assert _alerts(conn) == alerts_after
    manual = run_dag("anomaly_detection", logical_date=END + timedelta(minutes=2),
                     conf={"since": summary["since"], "until": summary["until"]})
    assert manual["tasks"]["write_alerts"]["rows_changed"] == 0
    assert _alerts(conn) == alerts_after
    rerun = run_dag("performance_baselines", logical_date=END, conf={"days": 7})
    assert rerun["state"] == "success"
    assert _baselines_ending(conn, END) == stored


def _baselines_ending(conn, end: datetime) -> list[tuple]:
    return conn.execute(
        "SELECT id, site_id, period_start, median_response_time_ms, mad_response_time_ms,"
        " p95_ttfb_ms, avg_error_rate, sample_size, seasonality, seasonal_profile"
        " FROM performance_baselines WHERE period_end = %s ORDER BY site_id", [end]).fetchall()
