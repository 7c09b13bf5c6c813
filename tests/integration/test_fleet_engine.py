"""The fleet path through the shared engine (Rules.engine): consecutive runs agree with one
run, and a lasting level shift is one alert that resolves once it is the new normal."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from test_detect_fleet import CORE, END, _alerts

from healer_ops.detect.fleet import RULES, detect_fleet
from healer_ops.devkit.fleet.generator import generate_fleet
from healer_ops.timeutil import minute_text

ENGINE = replace(RULES, engine=True)


def _shifted_site(conn, days: float, shift_at, factor: float,
                  spike_every: timedelta | None = None, spike_factor: float = 1.0) -> str:
    site_id = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                 [site_id, "shift.example", "https://shift.example/"])
    rng = np.random.default_rng(3)
    with conn.cursor().copy("COPY site_metrics (site_id, observed_at, response_time_ms, ttfb_ms,"
                            " page_size_bytes, status_code, error) FROM STDIN") as copy:
        for step in range(int(days * 288)):
            when = END - timedelta(days=days) + timedelta(minutes=5 * step)
            rt = float(300 * rng.lognormal(0, 0.1)) * (factor if when >= shift_at else 1.0)
            if spike_every and step % (spike_every // timedelta(minutes=5)) == 0:
                rt *= spike_factor
            copy.write_row((site_id, when, rt, rt * 0.4, 50_000, 200, False))
    conn.commit()
    return site_id


def test_a_lasting_level_shift_is_one_alert_then_the_new_normal(db_url, conn):
    shift_at = END - timedelta(days=3)
    _shifted_site(conn, 12, shift_at, 2.5)
    bounds = [END - timedelta(days=5) + timedelta(days=d) for d in range(6)]
    for since, until in zip(bounds, bounds[1:], strict=False):
        detect_fleet(db_url, since, until, rules=ENGINE)
    rows = [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"]
    assert len(rows) == 1, rows
    (alert,) = rows
    assert shift_at <= alert["opened_at"] <= shift_at + timedelta(hours=2)
    assert alert["status"] == "resolved" and alert["resolved_at"] < END - timedelta(days=1)


@pytest.fixture
def small_fleet(db_url):
    generate_fleet(db_url, sites=6, days=4, seed=3, end=END, metrics_to_db=True)
    return db_url


def test_consecutive_engine_runs_give_the_alerts_of_one_run(small_fleet, conn):
    start = END - timedelta(days=4)
    detect_fleet(small_fleet, start, END, rules=ENGINE)
    whole = _alerts(conn, ", ".join(CORE))
    assert len(whole) >= 3
    conn.execute("DELETE FROM predictive_alerts")
    conn.commit()
    bounds = [start + timedelta(hours=h) for h in range(0, 4 * 24 + 1, 7)] + [END]
    for since, until in zip(bounds, bounds[1:], strict=False):
        detect_fleet(small_fleet, since, until, rules=ENGINE)
    assert _alerts(conn, ", ".join(CORE)) == whole


def test_a_site_much_faster_than_its_baseline_is_one_alert(db_url, conn):
    # the same page, every probe 200, answered in a third of the usual time: probably not
    # the site's usual work (a cache or a maintenance page answering)
    shift_at = END - timedelta(days=3)
    _shifted_site(conn, 12, shift_at, 1 / 3)
    detect_fleet(db_url, END - timedelta(days=5), END)
    rows = [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"]
    assert len(rows) == 1, [(r["opened_at"], r["resolved_at"], r["prediction"]) for r in rows]
    assert shift_at <= rows[0]["opened_at"] <= shift_at + timedelta(hours=2)
    assert "much faster than usual" in rows[0]["prediction"]
    assert [r for r in _alerts(conn) if r["alert_type"] != "PERFORMANCE_DEGRADATION"] == []


def test_slow_answers_around_a_gap_are_not_a_slow_hour(db_url, conn):
    # probes unanswered for 40 minutes with slow answers either side: the answered half of
    # the hour is slow, the hour is not (the gap is no evidence of slowness)
    site_id = _shifted_site(conn, 12, END, 1.0)
    gap = END - timedelta(days=2)
    conn.execute("DELETE FROM site_metrics WHERE site_id = %s AND observed_at >= %s "
                 "AND observed_at < %s", [site_id, gap, gap + timedelta(minutes=40)])
    conn.execute("UPDATE site_metrics SET response_time_ms = response_time_ms * 4 "
                 "WHERE site_id = %s AND ((observed_at >= %s AND observed_at < %s) OR "
                 "(observed_at >= %s AND observed_at < %s))",
                 [site_id, gap - timedelta(minutes=15), gap, gap + timedelta(minutes=40),
                  gap + timedelta(minutes=55)])
    conn.commit()
    detect_fleet(db_url, END - timedelta(days=5), END,
                 rules=replace(RULES, engine_record_factor=None))
    assert [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"] == []


def test_one_answer_twenty_times_slower_than_ever_is_one_alert(db_url, conn):
    # no half hour of slowness follows, yet the site never answered like this before
    spike, prediction = _one_answer_slower(db_url, conn, 20)
    # the hour around it is ordinary, so the message leads with the answer that paged
    said = re.match(r"one answer took (\d+\.\d\d) s at (.+ UTC), (\d+)x the baseline",
                    prediction)
    assert said and said[2] == minute_text(spike) and 12 <= int(said[3]) <= 30, prediction
    assert 3 <= float(said[1]) <= 10 and "over the last hour" in prediction


def test_a_site_that_spikes_like_this_every_few_hours_gets_no_spike_alert(db_url, conn):
    _shifted_site(conn, 12, END, 1.0, spike_every=timedelta(hours=3), spike_factor=20)
    detect_fleet(db_url, END - timedelta(days=5), END)
    assert [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"] == []


def test_one_answer_far_beyond_the_sites_own_record_is_one_alert(db_url, conn):
    # 4x the baseline: no fixed spike ratio pages it (engine_spike_ratio is 10), yet this
    # site never answered even twice as slow in twelve days
    spike, prediction = _one_answer_slower(db_url, conn, 4)
    assert prediction.startswith("one answer took ") and minute_text(spike) in prediction
    assert "slowest answer of the last 14 days" in prediction, prediction
    conn.execute("DELETE FROM predictive_alerts")
    conn.commit()
    bounds = [END - timedelta(days=5) + timedelta(hours=h) for h in range(0, 5 * 24 + 1, 7)]
    for since, until in zip(bounds, bounds[1:] + [END], strict=False):
        detect_fleet(db_url, since, until)  # the record is the same, whichever run reads it
    rows = [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"]
    assert [r["opened_at"] for r in rows] == [spike], rows
    conn.execute("DELETE FROM predictive_alerts")
    conn.commit()
    detect_fleet(db_url, END - timedelta(days=5), END,
                 rules=replace(RULES, engine_record_factor=None))
    assert [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"] == []


def test_a_site_that_answers_4x_slow_every_day_sets_a_record_it_does_not_break(db_url, conn):
    _shifted_site(conn, 12, END, 1.0, spike_every=timedelta(hours=23), spike_factor=4)
    detect_fleet(db_url, END - timedelta(days=5), END)
    assert [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"] == []


def _one_answer_slower(db_url, conn, factor: float):
    """A quiet 12-day site whose answer two days before END took `factor` x as long, run
    over its last 5 days: that answer is the one performance alert. (its time, the alert's
    text)"""
    site_id = _shifted_site(conn, 12, END, 1.0)
    spike = END - timedelta(days=2)
    conn.execute("UPDATE site_metrics SET response_time_ms = response_time_ms * %s "
                 "WHERE site_id = %s AND observed_at = %s", [factor, site_id, spike])
    conn.commit()
    detect_fleet(db_url, END - timedelta(days=5), END)
    rows = [r for r in _alerts(conn) if r["alert_type"] == "PERFORMANCE_DEGRADATION"]
    assert [r["opened_at"] for r in rows] == [spike], rows
    return spike, conn.execute("SELECT prediction FROM predictive_alerts WHERE site_id = %s",
                               [site_id]).fetchone()[0]
