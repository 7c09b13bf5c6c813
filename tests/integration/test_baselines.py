"""Baselines computed in PostgreSQL equal a direct numpy/pandas computation on the same rows
(every statistic is exact, see healer_ops.baselines)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from healer_ops.baselines import compute_baselines, stored_baselines

END = datetime(2026, 3, 2, tzinfo=UTC)
# (days of history, sampling step): weekly-seasonal, daily-seasonal, too short for seasons.
SITES = {"weekly.example": (22, "30min"), "daily.example": (4, "10min"),
         "young.example": (2, "15min")}


def _fixture_rows(site_ids: dict[str, str]) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frames = []
    for domain, (days, step) in SITES.items():
        times = pd.date_range(END - timedelta(days=days), END, freq=step, inclusive="left")
        n = len(times)
        rt = 300 * (1 + 0.3 * np.sin(times.hour.to_numpy() / 24 * 2 * np.pi))
        rt = rt * rng.lognormal(0, 0.2, n)
        error = rng.random(n) < 0.05
        frame = pd.DataFrame({
            "site_id": site_ids[domain], "observed_at": times,
            "response_time_ms": np.where(error & (rng.random(n) < 0.5), np.nan, rt),
            "ttfb_ms": rt * rng.uniform(0.2, 0.6, n),
            "page_size_bytes": rng.integers(40_000, 60_000, n),
            "error": error,
        })
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    # A row exactly at the period end belongs to the next period.
    extra = rows.iloc[[0]].assign(observed_at=END, response_time_ms=99_999.0)
    return pd.concat([rows, extra], ignore_index=True)


def _load(conn, rows: pd.DataFrame) -> None:
    with conn.cursor().copy("COPY site_metrics (site_id, observed_at, response_time_ms, ttfb_ms,"
                            " page_size_bytes, error) FROM STDIN") as copy:
        for r in rows.itertuples(index=False):
            copy.write_row((r.site_id, r.observed_at.to_pydatetime(),
                            None if np.isnan(r.response_time_ms) else float(r.response_time_ms),
                            float(r.ttfb_ms), int(r.page_size_bytes), bool(r.error)))
    conn.commit()


@pytest.fixture
def fleet(conn):
    site_ids = {domain: str(uuid.uuid4()) for domain in SITES}
    for domain, site_id in site_ids.items():
        conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                     [site_id, domain, f"https://{domain}/"])
    rows = _fixture_rows(site_ids)
    _load(conn, rows)
    return site_ids, rows


def _mad(values: pd.Series) -> float:
    values = values.dropna()
    return float(np.median(np.abs(values - np.median(values))))


def _expected(rows: pd.DataFrame, days: int) -> dict[str, dict]:
    window = rows[(rows.observed_at >= END - timedelta(days=days)) & (rows.observed_at < END)]
    expected = {}
    for site_id, g in window.groupby("site_id"):
        rt, ttfb, page = g.response_time_ms.dropna(), g.ttfb_ms, g.page_size_bytes.astype(float)
        history = (g.observed_at.max() - g.observed_at.min()).total_seconds() / 86400
        seasonality = "weekday_hour" if history >= 20.95 else "hour" if history >= 2.95 else "none"
        profile = {}
        if seasonality != "none":
            weekday = g.observed_at.dt.dayofweek + 1
            key = (weekday.astype(str) if seasonality == "weekday_hour" else "*") + ":" \
                + g.observed_at.dt.hour.astype(str)
            for bucket, values in g.response_time_ms.groupby(key):
                values = values.dropna()
                profile[bucket] = {"median": float(np.median(values)), "mad": _mad(values),
                                   "n": len(values)}
        expected[site_id] = {
            "avg_response_time_ms": rt.mean(), "median_response_time_ms": np.median(rt),
            "p95_response_time_ms": np.percentile(rt, 95), "mad_response_time_ms": _mad(rt),
            "avg_ttfb_ms": ttfb.mean(), "median_ttfb_ms": np.median(ttfb),
            "p95_ttfb_ms": np.percentile(ttfb, 95), "mad_ttfb_ms": _mad(ttfb),
            "avg_page_size_bytes": page.mean(), "median_page_size_bytes": np.median(page),
            "p95_page_size_bytes": np.percentile(page, 95), "mad_page_size_bytes": _mad(page),
            "avg_error_rate": g.error.mean(), "typical_error_rate": _typical_error_rate(g),
            "sample_size": len(g), "history_days": history,
            "seasonality": seasonality, "seasonal_profile": profile,
        }
    return expected


def _typical_error_rate(g: pd.DataFrame) -> float:
    """Median of the daily error rates of the UTC days with at least a quarter of the fullest
    day's probes, when there are three; else the average."""
    days = g.groupby(g.observed_at.dt.floor("D")).error.agg(["mean", "size"])
    days = days[days["size"] >= 0.25 * days["size"].max()]
    return float(np.median(days["mean"])) if len(days) >= 3 else float(g.error.mean())


def _stored(conn) -> dict[str, dict]:
    cur = conn.execute("SELECT * FROM performance_baselines ORDER BY site_id")
    names = [c.name for c in cur.description]
    return {str(row[names.index("site_id")]): dict(zip(names, row, strict=True))
            for row in cur.fetchall()}


def test_baselines_equal_a_direct_computation(conn, db_url, fleet):
    site_ids, rows = fleet
    summary = compute_baselines(db_url, END, days=28)
    expected = _expected(rows, 28)
    stored = _stored(conn)
    assert summary["sites"] == 3 and set(stored) == set(expected)
    assert summary["seasonality"] == {"weekday_hour": 1, "hour": 1, "none": 1}
    for site_id, want in expected.items():
        got = stored[site_id]
        assert got["period_start"] == END - timedelta(days=28) and got["period_end"] == END
        for column, value in want.items():
            if column == "seasonal_profile":
                assert got[column].keys() == value.keys()
                for bucket, stats in value.items():
                    assert got[column][bucket] == pytest.approx(stats, rel=1e-9), bucket
            elif isinstance(value, str):
                assert got[column] == value, column
            else:
                assert got[column] == pytest.approx(value, rel=1e-9), column
    weekly = stored[site_ids["weekly.example"]]["seasonal_profile"]
    assert len(weekly) == 7 * 24 and all(b["n"] >= 3 for b in weekly.values())


def test_a_baseline_stored_before_the_typical_rate_is_read_with_its_average(conn, db_url,
                                                                         fleet):
    compute_baselines(db_url, END, days=28)
    conn.execute("UPDATE performance_baselines SET typical_error_rate = NULL")
    conn.commit()
    read = stored_baselines(conn, END, END + timedelta(days=1))
    assert len(read) == 3
    assert all(r["typical_error_rate"] == r["avg_error_rate"] > 0 for r in read)


def test_period_and_site_filters(conn, db_url, fleet):
    site_ids, rows = fleet
    only = [site_ids["weekly.example"], site_ids["daily.example"]]
    summary = compute_baselines(db_url, END.isoformat(), days=3, site_ids=only)
    stored = _stored(conn)
    assert set(stored) == set(only) and summary["samples"] == sum(
        stored[s]["sample_size"] for s in only)
    expected = _expected(rows, 3)
    for site_id in only:
        assert stored[site_id]["sample_size"] == expected[site_id]["sample_size"]
        assert stored[site_id]["seasonality"] == "hour"  # 3 days of history: daily seasons only
        assert stored[site_id]["median_response_time_ms"] == pytest.approx(
            expected[site_id]["median_response_time_ms"])


def test_rerunning_a_period_replaces_its_rows(conn, db_url, fleet):
    site_ids, _ = fleet
    compute_baselines(db_url, END, days=7)
    first = _stored(conn)
    compute_baselines(db_url, END, days=7)
    again = _stored(conn)
    assert conn.execute("SELECT count(*) FROM performance_baselines").fetchone()[0] == 3
    for site_id, row in first.items():
        assert {k: v for k, v in again[site_id].items() if k != "computed_at"} == \
            {k: v for k, v in row.items() if k != "computed_at"}
    # New data inside the period: the re-run replaces the values, still one row per site.
    site = site_ids["daily.example"]
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms, error)"
                 " VALUES (%s, %s, 50000, true)", [site, END - timedelta(seconds=1)])
    conn.commit()
    compute_baselines(db_url, END, days=7)
    replaced = _stored(conn)
    assert conn.execute("SELECT count(*) FROM performance_baselines").fetchone()[0] == 3
    assert replaced[site]["id"] == first[site]["id"]
    assert replaced[site]["sample_size"] == first[site]["sample_size"] + 1
    assert replaced[site]["avg_error_rate"] > first[site]["avg_error_rate"]


def _samples() -> list[np.ndarray]:
    """Arrays that stress the MAD bisection: tiny, even and odd sizes, ties, skew, negatives."""
    rng = np.random.default_rng(11)
    samples = [np.array([5.0]), np.array([1.0, 9.0]), np.array([3.0, 3.0, 3.0]),
               np.array([1.0, 2.0, 3.0, 4.0, 100.0]), np.array([-7.5, -1.0, 0.0, 0.0, 2.5, 40.0])]
    for n in (7, 8, 84, 85, 2016):
        samples.append(rng.lognormal(5, 0.6, n))
        samples.append(np.round(rng.normal(0, 3, n)))          # many ties around 0
        samples.append(np.concatenate([np.full(n // 2, 90_000.0), rng.uniform(0, 1e6, n - n // 2)]))
    return samples


def test_robust_stats_function_equals_percentile_cont_and_numpy(conn):
    for values in _samples():
        got = conn.execute("SELECT * FROM baseline_robust_stats(%s::float8[])",
                           [sorted(values.tolist())]).fetchone()
        want = conn.execute(
            "SELECT q[1], q[2], (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - q[1]))"
            "                    FROM unnest(%(v)s::float8[]) v)"
            " FROM (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY v) AS q"
            "       FROM unnest(%(v)s::float8[]) v) x", {"v": values.tolist()}).fetchone()
        assert got == want, values  # bit for bit what two sorts would give
        median = np.median(values)
        assert got == pytest.approx((median, np.percentile(values, 95),
                                     np.median(np.abs(values - median))), rel=1e-12, abs=1e-12)


def test_site_without_responses_and_tied_page_sizes(conn, db_url):
    site_id = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'down.example', "
                 "'https://down.example/')", [site_id])
    times = pd.date_range(END - timedelta(days=4), END, freq="1h", inclusive="left")
    pages = [0 if i % 5 == 0 else 4096 for i in range(len(times))]
    for t, page in zip(times, pages, strict=True):
        conn.execute("INSERT INTO site_metrics (site_id, observed_at, page_size_bytes, error)"
                     " VALUES (%s, %s, %s, true)", [site_id, t.to_pydatetime(), page])
    conn.commit()
    compute_baselines(db_url, END, days=7)
    row = _stored(conn)[site_id]
    assert row["sample_size"] == len(times) and row["avg_error_rate"] == 1.0
    assert row["median_response_time_ms"] is None and row["mad_response_time_ms"] is None
    assert row["seasonality"] == "hour" and row["seasonal_profile"] == {}
    assert (row["median_page_size_bytes"], row["mad_page_size_bytes"]) == (4096.0, 0.0)
    assert row["p95_page_size_bytes"] == np.percentile(pages, 95)


@pytest.mark.parametrize("bad, message", [({"days": 0}, "days"), ({"days": 2.5}, "days"),
                                          ({"period_end": "next tuesday"}, "period_end"),
                                          ({"site_ids": ["site-7"]}, r"site_ids\[0\]")])
def test_bad_arguments_are_named(db_url, bad, message):
    args = {"period_end": END, "days": 28} | bad
    with pytest.raises(ValueError, match=message):
        compute_baselines(db_url, args.pop("period_end"), **args)
