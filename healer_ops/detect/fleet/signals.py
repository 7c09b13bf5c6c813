"""Per-cell signals of every alert type: flagged, not yet normal, severity and strength."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from healer_ops.detect.fleet.baselines import BaselineGrid, knows_the_day
from healer_ops.detect.fleet.grid import Grid
from healer_ops.detect.fleet.rules import DAY_S, HOUR_S, Rules


@dataclass
class Signal:
    """Per cell: anomalous (flag), not yet normal (hot), observed (has_data), severity
    (index into SEVERITIES where flagged) and the strength of the evidence (>= 1 at the
    threshold)."""

    flag: np.ndarray
    hot: np.ndarray
    has_data: np.ndarray
    severity: np.ndarray
    strength: np.ndarray


@dataclass
class Signals:
    by_type: dict[str, Signal]
    values: dict[str, np.ndarray]   # evidence arrays (cells x sites)


def score(grid: Grid, base: BaselineGrid, rules: Rules, engine=None) -> Signals:
    """Every alert type's signal; `engine`: with ``rules.engine``, a function of the hand
    rules' flagged cells of response time that returns the engine's cells
    (``engine_signal.engine_flags``: it needs the flags to judge sites too young for it)."""
    values: dict[str, np.ndarray] = {}
    by_type = {
        "PERFORMANCE_DEGRADATION": _performance(grid, base, rules, values, engine),
        "ERROR_SPIKE": _errors(grid, base, rules, values),
        "DOWNTIME": _downtime(grid, base, rules, values),
        "PAGE_SIZE_ANOMALY": _page_size(grid, base, rules, values),
        "SSL_EXPIRY": _certificates(grid, rules, values),
    }
    # While every recent probe fails, the errors are an outage (DOWNTIME), not a spike.
    by_type["ERROR_SPIKE"].flag &= ~values["all_failing"]
    per_hour = HOUR_S // grid.step
    with np.errstate(invalid="ignore", divide="ignore"):
        values["hourly_error_rate"] = (hourly_sum(grid.n_error, per_hour)
                                       / hourly_sum(grid.n, per_hour))
    return Signals(by_type, values)


# Errors that an outage explains are the outage, not a second problem: no ERROR_SPIKE opens
# while the site's DOWNTIME alert is open (and none while every recent probe fails, see
# score(), so an outage's first failures, before DOWNTIME opens, do not open one either).
EXPLAINED_BY = {"ERROR_SPIKE": "DOWNTIME"}


def _performance(grid, base, rules, values, engine) -> Signal:
    from healer_ops.detect.forecast import rolling_trends, time_to_cross

    w = rules.perf_window
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_cell = grid.rt / base.rt_med
        z_cell = (grid.rt - base.rt_med) / base.rt_scale
        ttfb_z_cell = (grid.ttfb - base.ttfb_med) / base.ttfb_scale
    ratio = rolling_median(ratio_cell, w, w // 2)
    z = rolling_median(z_cell, w, w // 2)
    values.update(rt_ratio=ratio, rt_z=z, rt_z_cell=z_cell, ttfb_z_cell=ttfb_z_cell)
    recent = rolling_median(ratio_cell, rules.perf_recent, 1) >= rules.perf_hot_ratio
    flag = (ratio >= rules.perf_ratio) & (z >= rules.perf_z) & recent
    hot = (ratio >= rules.perf_hot_ratio) & (z >= rules.perf_hot_z)

    # Trend of the last `trend_hours` complete hours, for cells that are already warm.
    per_hour = HOUR_S // grid.step
    hourly = np.log(hourly_median(ratio_cell, per_hour))
    growth = np.full(grid.shape, np.nan)
    eta = np.full(grid.shape, np.inf)
    tau = np.full(grid.shape, np.nan)
    cells, cols = np.nonzero(hot | flag)
    hours = (cells + (grid.start % per_hour)) // per_hour - 1  # the last complete hour
    keep = hours >= 0
    cells, cols, hours = cells[keep], cols[keep], hours[keep]
    if cells.size:
        pairs, inverse = np.unique(np.stack([hours, cols]), axis=1, return_inverse=True)
        trend = rolling_trends(hourly, pairs[0], pairs[1], rules.trend_hours)
        inverse = inverse.ravel()
        enough = trend.points[inverse] >= rules.trend_min_points
        slope_h = np.where(enough, trend.slope[inverse], np.nan)
        growth[cells, cols] = np.expm1(slope_h * 24)
        tau[cells, cols] = np.where(enough, trend.tau[inverse], np.nan)
        # from the cell's own (rolling) level, at the hourly slope
        eta[cells, cols] = time_to_cross(np.log(ratio[cells, cols]), slope_h,
                                         math.log(rules.perf_limit_ratio))
    values.update(rt_growth_per_day=growth, rt_eta_hours=eta, rt_tau=tau)
    rising = ((tau >= rules.trend_tau) & (growth >= rules.trend_min_growth_per_day)
              & (eta <= rules.trend_horizon_hours))
    early = hot & rising & recent
    flag = flag | early
    if rules.engine:
        if engine is None:
            raise ValueError("rules.engine is set: score() needs the engine's cells "
                             "(engine_signal.engine_flags)")
        found = engine(flag)
        # the fleet's forecast stays: a steady climb towards the limit, sustained as long
        # as the hand rules' trigger asked, opens an alert before the engine may see it;
        # a site too young for the engine is judged by the hand rules and their trigger,
        # once its baseline knows the day's rhythm (before, every daily peak is "slow")
        held = rules.triggers["PERFORMANCE_DEGRADATION"].k
        young_flag = flag & found.young & knows_the_day(base)
        forecast = rolling_sum(early | young_flag, held) >= held
        day = int(rules.lookback_hours * HOUR_S // grid.step)
        since_forecast = rolling_sum(forecast, day) > 0  # a forecast alert of the last day
        alert = found.alert | forecast
        active = found.active | forecast | (hot & since_forecast)
        engine_score = found.score
        values.update(rt_engine_score=engine_score, rt_record=found.record)
        with np.errstate(divide="ignore"):
            factor = np.fmax(ratio, 1.0 / ratio)  # a much faster site counts as much
        severity = np.select([factor >= 3, factor >= 2, factor >= rules.perf_ratio],
                             [3, 2, 1], default=0)
        return Signal(alert, active, ~np.isnan(ratio), severity,
                      1.0 + 2.0 * np.clip(engine_score - 0.5, 0.0, 0.5))
    severity = np.select([ratio >= 3, ratio >= 2, flag & (eta <= 12), ratio >= rules.perf_ratio],
                         [3, 2, 2, 1], default=0)
    strength = np.fmin(ratio / rules.perf_ratio, z / rules.perf_z)
    return Signal(flag, hot | flag, ~np.isnan(ratio), severity, strength)


def _errors(grid, base, rules, values) -> Signal:
    from scipy.stats import binom

    w = rules.error_window
    errors = rolling_sum(grid.n_error, w)
    samples = rolling_sum(grid.n, w)
    # the lowest baseline in effect over the window: one computed at a midnight inside the
    # window has counted the window's own first errors (a burst crossing midnight raised
    # the rate it was then judged against, and went unalerted)
    expected = rolling_min(np.fmax(np.nan_to_num(base.error_rate, nan=0.0),
                                   rules.error_floor_rate), w)
    pvalue = np.ones(grid.shape)
    some = errors > 0
    pvalue[some] = binom.sf(errors[some] - 1, samples[some], expected[some])
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = errors / samples
    values.update(error_rate=rate, errors=errors, samples=samples, error_pvalue=pvalue,
                  error_expected=expected, timeouts=rolling_sum(grid.n_timeout, w),
                  http_5xx=rolling_sum(grid.n_5xx, w))
    flag = (errors >= 2) & (rate >= rules.error_limit_rate) & (pvalue < rules.error_alpha)
    hot = (errors >= 1) & (pvalue < rules.error_hot_alpha)
    severity = np.select([rate >= 0.5, rate >= 0.2], [3, 2], default=1)
    strength = -np.log10(np.fmax(pvalue, 1e-300)) / -math.log10(rules.error_alpha)
    return Signal(flag, hot | flag, samples > 0, severity, strength)


def _downtime(grid, base, rules, values) -> Signal:
    rows = grid.rows
    cells, sites = grid.shape
    page_med = base.page_med.ravel()[rows["flat"]]
    ok_status = (rows["status"] >= 200) & (rows["status"] < 400)
    blank = ~rows["failed"] & ok_status & (rows["page"] < rules.blank_page_fraction * page_med)
    failed = rows["failed"] | blank
    n_fail = np.bincount(rows["flat"][failed], minlength=cells * sites).reshape(cells, sites)
    n_blank = np.bincount(rows["flat"][blank], minlength=cells * sites).reshape(cells, sites)
    w = rules.down_window
    fails = rolling_sum(n_fail, w)
    samples = rolling_sum(grid.n, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = fails / samples
    recent = rules.outage_cells
    values.update(failures=fails, failure_rate=rate, blank_pages=rolling_sum(n_blank, w),
                  down_samples=samples, down_timeouts=rolling_sum(grid.n_timeout, w),
                  down_5xx=rolling_sum(grid.n_5xx, w),
                  failure_cell=n_fail / np.where(grid.n > 0, grid.n, np.nan),
                  all_failing=(rolling_sum(n_fail, recent) >= rolling_sum(grid.n, recent))
                  & (rolling_sum(grid.n, recent) >= recent))
    flag = (fails >= rules.down_min) & (rate >= rules.down_rate)
    hot = rate >= rules.down_hot_rate
    severity = np.full(grid.shape, 3)
    return Signal(flag, hot | flag, samples > 0, severity, rate / rules.down_rate)


def _page_size(grid, base, rules, values) -> Signal:
    w = rules.page_window
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rolling_median(grid.page / base.page_med, w, w // 2)
        z_cell = (grid.page - base.page_med) / base.page_scale
    z = rolling_median(z_cell, w, w // 2)
    values.update(page_ratio=ratio, page_z=z, page_z_cell=z_cell)
    far = (ratio >= rules.page_ratio) | (ratio <= 1 / rules.page_ratio)
    error_page = _error_page(grid, rules, values, ratio, z)
    flag = (far & (np.abs(z) >= rules.page_z)) | error_page
    hot = (ratio >= rules.page_hot_ratio) | (ratio <= 1 / rules.page_hot_ratio)
    severity = np.where((ratio <= 0.1) | error_page, 2, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        strength = np.abs(np.log(ratio)) / math.log(rules.page_ratio)
        both = np.fmin(np.log(ratio) / math.log(rules.error_page_page_ratio),
                       np.log(values["rt_ratio"]) / math.log(rules.error_page_rt_ratio))
    strength = np.where(error_page, np.fmax(strength, both), strength)
    return Signal(flag, hot | flag, ~np.isnan(ratio), severity, strength)


def _error_page(grid, rules, values, page_ratio, page_z) -> np.ndarray:
    """Cells where the site answers much faster with a much smaller page than its baselines
    (the rolling medians of _performance and _page_size) while every probe of the page
    window answered 2xx: probably an error, maintenance or blank page served with 200. The
    drop of the page alone is PAGE_SIZE_ANOMALY's own rule; together with a faster answer a
    smaller drop counts (values["error_page"], for the evidence)."""
    rows = grid.rows
    cells, sites = grid.shape
    not_2xx = rows["failed"] | (rows["status"] < 200) | (rows["status"] >= 300)
    bad = np.bincount(rows["flat"][not_2xx], minlength=cells * sites).reshape(cells, sites)
    all_2xx = rolling_sum(bad, rules.page_window) == 0
    with np.errstate(invalid="ignore"):
        error_page = ((values["rt_ratio"] <= rules.error_page_rt_ratio)
                      & (values["rt_z"] <= -rules.error_page_z)
                      & (page_ratio <= rules.error_page_page_ratio)
                      & (page_z <= -rules.error_page_z) & all_2xx)
    values.update(error_page=error_page)
    return error_page


def _certificates(grid, rules, values) -> Signal:
    days_left = (grid.cert - grid.times()[:, None]) / DAY_S
    values.update(cert_days_left=days_left)
    flag = days_left <= rules.cert_warning_days
    hot = days_left <= rules.cert_hot_days
    severity = np.select([days_left <= 3, days_left <= 7], [3, 2], default=1)
    return Signal(flag, hot, ~np.isnan(days_left), severity, np.ones(grid.shape))


def rolling_sum(a: np.ndarray, window: int) -> np.ndarray:
    """Sum of the last `window` cells (fewer at the start) per column."""
    import bottleneck

    return bottleneck.move_sum(a.astype(float), min(window, len(a)), min_count=1, axis=0)


def rolling_min(a: np.ndarray, window: int) -> np.ndarray:
    """Least of the last `window` cells (fewer at the start) per column."""
    import bottleneck

    return bottleneck.move_min(a.astype(float), min(window, len(a)), min_count=1, axis=0)


def rolling_median(a: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Median of the last `window` cells with at least `min_periods` values, per column."""
    import bottleneck

    window = min(window, len(a))
    return bottleneck.move_median(a, window, min_count=min(min_periods, window), axis=0)


def hourly_median(a: np.ndarray, per_hour: int) -> np.ndarray:
    """Median of each hour's cells (hours aligned to the grid start, which is on the hour)."""
    import bottleneck

    cells, sites = a.shape
    hours = cells // per_hour
    return bottleneck.nanmedian(a[:hours * per_hour].reshape(hours, per_hour, sites), axis=1)


def hourly_sum(a: np.ndarray, per_hour: int) -> np.ndarray:
    cells, sites = a.shape
    hours = cells // per_hour
    return a[:hours * per_hour].reshape(hours, per_hour, sites).sum(axis=1)
