"""`healer-ops bench detect`: baselines and fleet detection on a demo fleet, in a scratch DB.

* baselines: compute_baselines over every row of the fleet (sites x days of 5-minute
  observations), against a bare aggregate (count and averages per site) over the same rows
  (same period and sites; both row counts are reported), same database, same run; each is
  run twice and the faster run counts;
* detection: detect_fleet over every day but the first (the first day's stored baseline
  judges the rest, as a weekly baseline would; no baseline is refreshed inside the timing),
  i.e. a backfill of (days - 1) days of the whole fleet in one run;
* incremental: the run the asset-triggered DAG makes every 5 minutes (the last cell, with
  its 24 h look-back).

scipy and scikit-learn are imported before the clocks start (a per-process cost, reported
as import_s).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from healer_ops import db
from healer_ops.devkit.bench import scratch_database, timed


def bench_detect(sites: int, days: float, *, seed: int = 7, keep: bool = False) -> dict:
    from healer_ops.devkit.fleet.generator import generate_fleet
    from healer_ops.devkit.fleet.grid import default_end

    with scratch_database("detect", keep=keep) as url:
        end = default_end(datetime.now(UTC)).replace(hour=0, minute=0)
        generated, generate_s = timed(generate_fleet, url, sites=sites, days=days, seed=seed,
                                      end=end, metrics_to_db=True)
        with db.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE site_metrics")
        return {"sites": sites, "days": days, "observations": generated["metric_rows"],
                "generate_s": round(generate_s, 1), **_measure(url, end, days)}


def _measure(url: str, end: datetime, days: float) -> dict:
    from healer_ops.baselines import compute_baselines
    from healer_ops.detect.fleet import RULES, detect_fleet
    from healer_ops.devkit.evaluate.alerts import score_alerts

    _, import_s = timed(_import_heavy)
    whole = max(1, round(days))
    baseline, baseline_s = _best_of_two(compute_baselines, url, end, days=whole)
    bare_rows, bare_s = _best_of_two(_bare_aggregate, url, end, whole)
    start = end - timedelta(days=days)
    first_day = start + timedelta(days=1)
    compute_baselines(url, first_day, days=1)
    frozen = replace(RULES, baseline_max_age_days=float("inf"), young_history_days=0.0)
    summary, detect_s = timed(lambda: detect_fleet(url, first_day, end, rules=frozen))
    _, rerun_s = timed(lambda: detect_fleet(url, first_day, end, rules=frozen))
    _, incremental_s = timed(
        lambda: detect_fleet(url, end - timedelta(minutes=5), end, rules=frozen))
    quality = score_alerts(url)
    return {
        "baseline_s": round(baseline_s, 2),
        "bare_aggregate_s": round(bare_s, 3),
        "baseline_vs_bare": round(baseline_s / bare_s, 1),
        # the yardstick reads the same rows: same period, same sites
        "baseline_rows": baseline["samples"],
        "bare_aggregate_rows": bare_rows,
        "detect_s": round(detect_s, 2),
        "detect_rerun_s": round(rerun_s, 2),
        "detect_observations": summary["observations"],
        "detect_days": round(days - 1, 2),
        "detect_incremental_s": round(incremental_s, 2),
        "import_s": round(import_s, 2),
        "alerts_opened": summary["opened"],
        "precision": quality["precision"],
        "recall": quality["recall"],
    }


def _bare_aggregate(url: str, end: datetime, days: int) -> int:
    """Run the yardstick query; returns how many rows it aggregated."""
    with db.connect(url) as conn:
        rows = conn.execute(db.query("baseline_bare_aggregate"),
                            {"period_end": end, "days": days, "site_ids": None}).fetchall()
    return sum(row[1] for row in rows)


def _import_heavy() -> None:
    import scipy.stats  # noqa: F401
    import sklearn.ensemble  # noqa: F401


def _best_of_two(function, *args, **kwargs):
    """(result, seconds of the faster of two runs)."""
    runs = [timed(function, *args, **kwargs) for _ in range(2)]
    return runs[-1][0], min(seconds for _, seconds in runs)


