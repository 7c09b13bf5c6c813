"""`healer-ops bench fleet-nab`: the fleet path (ingest, baselines, `alerts scan`) on NAB.

Each NAB series with 5-minute steps becomes one site's response time: scaled so that its
lowest value is 50 ms and its median 300 ms (TTFB 40% of it, a constant page, every probe
answering 200), moved by whole weeks into the recent past (weekday and time of day kept; all
series start in the same week), written as the drop folder's day files and replayed day by
day as the DAGs would run: `site_metrics_ingest` loads the day, `performance_baselines`
runs at each Sunday midnight (its weekly schedule, 28 days), `anomaly_detection` scores what
arrived (the same steps as `healer-ops alerts scan`).

Score, per series after its first 15% of rows (NAB's probationary period): the share of
alerts opened inside a labelled window (precision) and the share of windows (those ending
after the probation) with an alert opened inside them (recall).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from healer_ops import db
from healer_ops.devkit.bench import scratch_database

STEP_S = 300
PROBATION = 0.15
LOW_MS, TYPICAL_MS = 50.0, 300.0
MAX_MS = 599_999.0
WEEK = timedelta(days=7)


@dataclass
class Series:
    name: str                    # <category>/<file>.csv
    times: pd.DatetimeIndex      # UTC, moved into the replay's weeks
    response_ms: np.ndarray
    windows: list[tuple[datetime, datetime]]
    probation_end: datetime
    site_id: str = ""


def five_minute_series(nab_dir: Path, categories: list[str] | None = None) -> list[Series]:
    """The labelled series whose median timestamp step is 5 minutes, scaled to response
    times (not yet moved in time)."""
    labels = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    out = []
    for name in sorted(labels):
        if categories and name.split("/")[0] not in categories:
            continue
        frame = pd.read_csv(nab_dir / "data" / name)
        times = pd.DatetimeIndex(pd.to_datetime(frame["timestamp"])).tz_localize(UTC)
        if len(times) < 3 or np.median((times[1:] - times[:-1]).total_seconds()) != STEP_S:
            continue
        windows = [(pd.Timestamp(a).tz_localize(UTC).to_pydatetime(),
                    pd.Timestamp(b).tz_localize(UTC).to_pydatetime())
                   for a, b in labels[name]]
        out.append(Series(name, times, response_times(frame["value"].to_numpy(float)),
                          windows, times[int(PROBATION * len(times))].to_pydatetime()))
    return out


def response_times(values: np.ndarray) -> np.ndarray:
    """Values mapped linearly so the lowest is LOW_MS and the median TYPICAL_MS."""
    low, median, high = np.nanmin(values), np.nanmedian(values), np.nanmax(values)
    spread = median - low if median > low else (high - low if high > low else 1.0)
    return np.clip(LOW_MS + (TYPICAL_MS - LOW_MS) * (values - low) / spread, 0.0, MAX_MS)


def place_in_time(series: list[Series], now: datetime) -> datetime:
    """Move every series by whole weeks so it starts in the same week, ending before `now`;
    returns the replay's first midnight."""
    longest = max(s.times[-1] - s.times[0] for s in series)
    anchor = (now - longest - 2 * WEEK).replace(hour=0, minute=0, second=0, microsecond=0)
    for s in series:
        weeks = math.ceil((anchor - s.times[0].to_pydatetime()) / WEEK)
        shift = weeks * WEEK
        s.times = s.times + shift
        s.windows = [(a + shift, b + shift) for a, b in s.windows]
        s.probation_end += shift
    return min(s.times[0] for s in series).to_pydatetime().replace(
        hour=0, minute=0, second=0, microsecond=0)


def write_day_files(series: list[Series], drop_dir: Path) -> list[datetime]:
    """One `site_metrics_YYYY-MM-DD.csv` per UTC day; returns the days' midnights."""
    frame = pd.concat([pd.DataFrame({
        "site_id": s.site_id, "observed_at": s.times,
        "response_time_ms": np.round(s.response_ms, 3),
        "ttfb_ms": np.round(0.4 * s.response_ms, 3), "page_size_bytes": 48_000,
        "status_code": 200, "error": False}) for s in series])
    frame["day"] = frame["observed_at"].dt.floor("D")
    days = []
    for day, rows in frame.groupby("day"):
        rows = rows.drop(columns="day").assign(
            observed_at=rows["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        rows.to_csv(drop_dir / f"site_metrics_{day:%Y-%m-%d}.csv", index=False)
        days.append(day.to_pydatetime())
    return days


def replay(url: str, drop_dir: Path, days: list[datetime], rules=None) -> dict:
    """Each day as the DAGs run it: ingest the day, weekly baselines, scan for alerts."""
    from healer_ops.baselines import compute_baselines
    from healer_ops.detect.fleet import RULES, detect_new_data
    from healer_ops.ingest import ingest_drop

    seconds = {"ingest": 0.0, "baselines": 0.0, "scan": 0.0}
    for day in days:
        end = day + timedelta(days=1)
        started = time.perf_counter()
        ingest_drop(url, drop_dir, day, end, run_id="fleet-nab")
        seconds["ingest"] += time.perf_counter() - started
        if end.weekday() == 6:  # performance_baselines: @weekly, Sunday 00:00 UTC
            started = time.perf_counter()
            compute_baselines(url, end, days=28)
            seconds["baselines"] += time.perf_counter() - started
        started = time.perf_counter()
        detect_new_data(url, rules=rules or RULES)
        seconds["scan"] += time.perf_counter() - started
    return {k: round(v, 1) for k, v in seconds.items()}


def score(series: list[Series], opened: dict[str, list[datetime]]) -> dict:
    """Alerts inside windows / windows alerted, after each series' probation."""
    per_series, alerts, inside, windows, hit = {}, 0, 0, 0, 0
    for s in series:
        times = [t for t in opened.get(s.site_id, []) if t >= s.probation_end]
        ins = sum(any(a <= t <= b for a, b in s.windows) for t in times)
        scored = [(a, b) for a, b in s.windows if b >= s.probation_end]
        hits = sum(any(a <= t <= b for t in times) for a, b in scored)
        per_series[s.name] = {"alerts": len(times), "inside": ins, "windows": len(scored),
                              "windows_alerted": hits}
        alerts, inside, windows, hit = alerts + len(times), inside + ins, windows + len(
            scored), hit + hits
    return {"alerts": alerts, "alerts_inside": inside,
            "alerts_inside_share": round(inside / alerts, 3) if alerts else None,
            "windows": windows, "windows_alerted": hit,
            "windows_alerted_share": round(hit / windows, 3) if windows else None,
            "series": per_series}


def by_category(result: dict) -> dict:
    out: dict[str, dict] = {}
    for name, figures in result["series"].items():
        total = out.setdefault(name.split("/")[0], {"alerts": 0, "inside": 0, "windows": 0,
                                                     "windows_alerted": 0})
        for key in total:
            total[key] += figures[key]
    return out


def rescored(url: str, series: list[Series], days: list[datetime], rules) -> dict:
    """The score of `rules` on the replay's database in one read-only detection run over
    every day (the replay's baselines; nothing is written): a grid of fleet-rule values
    costs one scan each, not one replay each. The engine scores each cell with history
    from its block's fixed start, so one run and the day-by-day runs agree up to the
    episodes that cross a day's end (``bench fleet-nab --loco`` reports the default's
    rescored figures beside the replay's)."""
    from healer_ops.detect.fleet.run import score_on

    since, until = days[0], days[-1] + timedelta(days=1)
    with db.connect(url) as conn:
        conn.execute("DELETE FROM predictive_alerts")  # no prior alert: rolled back below
        scored = score_on(conn, since, until, None, rules)
        conn.rollback()
    opened: dict[str, list[datetime]] = {}
    for row in scored["rows"]:
        opened.setdefault(row["site_id"], []).append(datetime.fromisoformat(row["opened_at"]))
    result = score(series, opened)
    return {**{k: v for k, v in result.items() if k != "series"},
            "by_category": by_category(result), "per_series": result["series"]}


def bench_fleet_nab(nab_dir: Path, *, categories: list[str] | None = None,
                    keep: bool = False, rules=None, variants: dict | None = None) -> dict:
    """The figures of one replay (``rules``: the fleet detector's, default RULES); with
    `variants` ({name: rules}), each one's figures rescored on the replay's database
    (``rescored``) under "variants"."""
    from healer_ops.devkit.fleet.sites import make_sites
    from healer_ops.devkit.fleet.store import upsert_sites

    started = time.perf_counter()
    series = five_minute_series(nab_dir, categories)
    if not series:
        raise ValueError(f"no labelled 5-minute series in {nab_dir}")
    now = datetime.now(UTC)
    first_day = place_in_time(series, now)
    sites = make_sites(len(series), seed=5, end=first_day)
    for s, site in zip(series, sites, strict=True):
        s.site_id = site.id
    with scratch_database("fleetnab", keep=keep) as url, \
            tempfile.TemporaryDirectory(prefix="fleet-nab-") as drop:
        with db.connect(url) as conn:
            upsert_sites(conn, sites)
            conn.commit()
        days = write_day_files(series, Path(drop))
        seconds = replay(url, Path(drop), days, rules)
        started_variants = time.perf_counter()
        scored_variants = {name: rescored(url, series, days, variant)
                           for name, variant in (variants or {}).items()}
        seconds["variants"] = round(time.perf_counter() - started_variants, 1)
        with db.connect(url) as conn:
            rows = conn.execute("SELECT site_id::text, opened_at, alert_type FROM "
                                "predictive_alerts WHERE status <> 'superseded'").fetchall()
    opened: dict[str, list[datetime]] = {}
    types: dict[str, int] = {}
    for site_id, opened_at, alert_type in rows:
        opened.setdefault(site_id, []).append(opened_at)
        types[alert_type] = types.get(alert_type, 0) + 1
    result = score(series, opened)
    return {"series": len(series), "days": len(days),
            "observations": int(sum(len(s.times) for s in series)),
            **{k: v for k, v in result.items() if k != "series"},
            "alert_types": types, "by_category": by_category(result),
            "seconds": {**seconds, "total": round(time.perf_counter() - started, 1)},
            "per_series": result["series"], "variants": scored_variants}


MIN_INSIDE_SHARE = 0.8  # the precision a choice must keep on the categories it is chosen on


def rule_grid(rules, values: dict[str, list]) -> dict[str, object]:
    """{name: rules} for every combination of `values` ({field of Rules: values}, None for
    off), in the order given (list the more conservative values first: ties go to them)."""
    from dataclasses import replace
    from itertools import product

    fields = list(values)
    return {", ".join(f"{f}={v}" for f, v in zip(fields, combo, strict=True)):
            replace(rules, **dict(zip(fields, combo, strict=True)))
            for combo in product(*(values[f] for f in fields))}


def leave_one_category_out(variants: dict[str, dict],
                           min_inside_share: float = MIN_INSIDE_SHARE) -> dict:
    """Per NAB category held out: the variant chosen on the OTHER categories (most windows
    alerted among those keeping ``min_inside_share`` of their alerts inside windows; ties
    to the higher share, then to the earlier variant) and the held-out category's figures
    with it; "overall" sums the held-out figures."""
    names = list(variants)
    categories = list(variants[names[0]]["by_category"])

    def totals(name: str, cats: list[str]) -> dict:
        return {key: sum(variants[name]["by_category"][c][key] for c in cats)
                for key in ("alerts", "inside", "windows", "windows_alerted")}

    folds, overall = {}, dict.fromkeys(("alerts", "inside", "windows", "windows_alerted"), 0)
    for held_out in categories:
        train = [c for c in categories if c != held_out]
        ranked = []
        for order, name in enumerate(names):
            t = totals(name, train)
            share = t["inside"] / t["alerts"] if t["alerts"] else 1.0
            if share >= min_inside_share:
                ranked.append((t["windows_alerted"] / max(t["windows"], 1), share, -order, name))
        chosen = max(ranked)[-1] if ranked else names[0]
        held = totals(chosen, [held_out])
        folds[held_out] = {"chosen": chosen, **held}
        overall = {k: overall[k] + held[k] for k in overall}
    overall["alerts_inside_share"] = (round(overall["inside"] / overall["alerts"], 3)
                                      if overall["alerts"] else None)
    overall["windows_alerted_share"] = (round(overall["windows_alerted"] / overall["windows"], 3)
                                        if overall["windows"] else None)
    return {"folds": folds, "overall": overall}
