"""The words and figures of an alert: what an operator reads when paged."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from healer_ops.detect.fleet.baselines import BaselineGrid
from healer_ops.detect.fleet.engine_signal import extreme_answers
from healer_ops.detect.fleet.grid import Grid
from healer_ops.detect.fleet.rules import HOUR_S, Rules, cell_time, num, rounded
from healer_ops.detect.fleet.signals import Signals
from healer_ops.timeutil import minute_text


def _baseline_evidence(base: BaselineGrid, cell: int, site: int) -> dict:
    i = base.index[cell, site]
    if i < 0:
        return {"available": False}
    record = base.records[i]
    return {
        "period_start": record["period_start"].isoformat(),
        "period_end": record["period_end"].isoformat(),
        "seasonality": record["seasonality"],
        "sample_size": record["sample_size"],
        "median_response_time_ms": rounded(record["median_response_time_ms"], 1),
        "p95_response_time_ms": rounded(record["p95_response_time_ms"], 1),
        "seasonal_median_response_time_ms": rounded(base.rt_med[cell, site], 1),
        "median_ttfb_ms": rounded(record["median_ttfb_ms"], 1),
        "median_page_size_bytes": rounded(record["median_page_size_bytes"], 0),
        "avg_error_rate": rounded(record["avg_error_rate"], 5),
        "typical_error_rate": rounded(base.error_rate[cell, site], 5),
    }


def _performance_evidence(grid, base, signals, site, cell, rules) -> dict:
    v = signals.values
    recent = _window(grid.rt, cell, site, rules.perf_window)
    p95 = float(np.nanpercentile(recent, 95)) if np.isfinite(recent).any() else None
    median = float(np.nanmedian(recent)) if np.isfinite(recent).any() else None
    ratio = v["rt_ratio"][cell, site]
    base_med = base.rt_med[cell, site]
    record = base.records[base.index[cell, site]]
    base_p95 = num(record["p95_response_time_ms"]) * base_med / num(
        record["median_response_time_ms"])
    growth, eta = v["rt_growth_per_day"][cell, site], v["rt_eta_hours"][cell, site]
    text = (f"response time {_ms(median)} (p95 {_ms(p95)}) over the last hour vs "
            f"{_ms(base_med)} baseline (p95 {_ms(base_p95)}), {ratio:.1f}x")
    spike = (_spike_text(grid, base, site, cell, rules)
             or _record_text(grid, base, v.get("rt_record"), site, cell, rules))
    if spike and ratio < rules.perf_ratio:  # the hour is ordinary: the spike is the news
        text = f"{spike}; {text}"
    predicted_at = None
    if np.isfinite(growth) and growth > 0.02:
        text += f", rising {growth:.0%}/day"
    limit = rules.perf_limit_ratio * base_med
    if ratio >= rules.perf_limit_ratio:
        text += f"; above the {_ms(limit)} limit ({rules.perf_limit_ratio:g}x baseline)"
    elif ratio * rules.perf_ratio <= 1:
        text += ("; much faster than usual: probably not doing its usual work (an error or "
                 "maintenance page, a redirect, a cache answering for a broken backend)")
    elif np.isfinite(eta):
        predicted_at = cell_time(grid.start + cell, grid.step) + timedelta(hours=float(eta))
        text += (f"; expected to pass {_ms(limit)} ({rules.perf_limit_ratio:g}x baseline) "
                 f"in about {_duration(eta)}")
    level, slope, error_eta = error_forecast(grid, signals, site, cell, rules)
    text += _error_outlook(level, slope, error_eta, rules)
    current = {"at": cell_time(grid.start + cell, grid.step).isoformat(),
               "response_time_ms": rounded(median, 1), "p95_response_time_ms": rounded(p95, 1),
               "ratio": rounded(ratio), "z": rounded(v["rt_z"][cell, site]),
               "growth_per_day": rounded(growth), "trend_tau": rounded(v["rt_tau"][cell, site]),
               "hours_to_limit": rounded(eta, 1), "error_rate_hourly": rounded(level, 4),
               "error_rate_slope_per_hour": rounded(slope, 4),
               "hours_to_error_limit": rounded(error_eta, 1)}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site) | {
                "limit_response_time_ms": rounded(limit, 1)},
            "deviation": v["rt_z"][cell, site], "predicted_at": predicted_at}


def error_forecast(grid: Grid, signals: Signals, site: int, cell: int,
                   rules: Rules) -> tuple[float, float, float]:
    """Error rate of the last complete hours fitted by Theil-Sen at the cell: (level, slope
    per hour, hours until the error-rate limit; inf when not rising)."""
    from healer_ops.detect.forecast import rolling_trends, time_to_cross

    hourly = signals.values["hourly_error_rate"]
    hour = (cell + grid.start % (HOUR_S // grid.step)) // (HOUR_S // grid.step) - 1
    if hour < 0 or hour >= len(hourly):
        return np.nan, np.nan, np.inf
    trend = rolling_trends(hourly, np.array([hour]), np.array([site]), rules.error_trend_hours)
    if trend.points[0] < rules.error_trend_hours // 2:
        return np.nan, np.nan, np.inf
    level, slope = float(trend.level[0]), float(trend.slope[0])
    return level, slope, float(time_to_cross(level, slope, rules.error_limit_rate))


def _error_outlook(level: float, slope: float, eta: float, rules: Rules) -> str:
    """"; errors 2.1% and rising 0.8 points/hour, expected to pass 5% in about 4 hours"."""
    if not (np.isfinite(slope) and slope > 0 and level > 0):
        return ""
    text = f"; errors {level:.1%} and rising {slope * 100:.1f} points/hour"
    if 0 < eta < np.inf:
        text += f", expected to pass {rules.error_limit_rate:.0%} in about {_duration(eta)}"
    return text


def _spike_text(grid: Grid, base: BaselineGrid, site: int, cell: int, rules: Rules) -> str:
    """The last hour's slowest answer that alone could be the alert (``extreme_answers``:
    ``engine_spike_ratio`` x its baseline and more), else ''."""
    if rules.engine_spike_ratio is None:
        return ""
    rt, median, scale = (_window(values, cell, site, rules.perf_window)
                         for values in (grid.rt, base.rt_med, base.rt_scale))
    extreme = extreme_answers(rt, median, scale, rules)
    if not extreme.any():
        return ""
    slowest = int(np.argmax(np.where(extreme, rt, -np.inf)))
    at = cell_time(grid.start + cell - (len(rt) - 1 - slowest), grid.step)
    return (f"one answer took {_ms(rt[slowest])} at {minute_text(at)}, "
            f"{rt[slowest] / median[slowest]:.0f}x the baseline, far beyond this site's usual "
            "slow answers")


def _record_text(grid: Grid, base: BaselineGrid, record: np.ndarray | None, site: int,
                 cell: int, rules: Rules) -> str:
    """The last hour's answer that broke the site's record (``engine_signal.record_rows``),
    else ''."""
    if record is None:
        return ""
    multiples = _window(record, cell, site, rules.perf_window)
    if not (multiples > 0).any():
        return ""
    last = int(np.flatnonzero(multiples > 0)[-1])
    rt, median = (_window(values, cell, site, rules.perf_window)
                  for values in (grid.rt, base.rt_med))
    at = cell_time(grid.start + cell - (len(rt) - 1 - last), grid.step)
    return (f"one answer took {_ms(rt[last])} at {minute_text(at)}, "
            f"{rt[last] / median[last]:.1f}x the baseline: {multiples[last]:.1f}x further "
            f"beyond it than this site's slowest answer of the last "
            f"{rules.engine_history_days:g} days")


def _window(values: np.ndarray, cell: int, site: int, cells: int) -> np.ndarray:
    return values[max(cell - cells + 1, 0):cell + 1, site]


def _error_evidence(grid, base, signals, site, cell, rules) -> dict:
    v = signals.values
    errors, samples = int(v["errors"][cell, site]), int(v["samples"][cell, site])
    rate, expected = v["error_rate"][cell, site], v["error_expected"][cell, site]
    minutes = rules.error_window * grid.step // 60
    parts = [_count(v["timeouts"][cell, site], "timeout"),
             _count(v["http_5xx"][cell, site], "HTTP 5xx", "HTTP 5xx")]
    text = (f"error rate {rate:.0%} over the last {minutes} min ({errors} of {samples} probes: "
            f"{', '.join(p for p in parts if not p.startswith('0 '))}) vs {expected:.2%} "
            f"baseline; above the {rules.error_limit_rate:.0%} limit")
    text += _error_outlook(*error_forecast(grid, signals, site, cell, rules), rules)
    deviation = (rate - expected) / math.sqrt(expected * (1 - expected) / max(samples, 1))
    current = {"at": cell_time(grid.start + cell, grid.step).isoformat(),
               "error_rate": rounded(rate), "errors": errors, "samples": samples,
               "p_value": float(f"{v['error_pvalue'][cell, site]:.3g}")}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site), "deviation": deviation,
            "predicted_at": None}


def _downtime_evidence(grid, base, signals, site, cell, rules) -> dict:
    v = signals.values
    fails, samples = int(v["failures"][cell, site]), int(v["down_samples"][cell, site])
    minutes = rules.down_window * grid.step // 60
    parts = [_count(v["down_timeouts"][cell, site], "timeout"),
             _count(v["down_5xx"][cell, site], "HTTP 5xx", "HTTP 5xx"),
             _count(v["blank_pages"][cell, site], "blank page")]
    text = (f"site down: {fails} of {samples} probes failed in the last {minutes} min "
            f"({', '.join(p for p in parts if not p.startswith('0 '))})")
    current = {"at": cell_time(grid.start + cell, grid.step).isoformat(),
               "failure_rate": rounded(v["failure_rate"][cell, site]), "failures": fails,
               "samples": samples}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site),
            "deviation": v["failure_rate"][cell, site], "predicted_at": None}


def _page_evidence(grid, base, signals, site, cell, rules) -> dict:
    v = signals.values
    recent = _window(grid.page, cell, site, rules.page_window)
    size = float(np.nanmedian(recent)) if np.isfinite(recent).any() else None
    ratio = v["page_ratio"][cell, site]
    base_size = base.page_med[cell, site]
    change = ratio - 1
    text = (f"page size {_bytes(size)} vs {_bytes(base_size)} baseline ({change:+.0%}) over "
            f"the last {rules.page_window * grid.step // 60} min")
    error_page = bool(v["error_page"][cell, site])
    if error_page:
        rt = _window(grid.rt, cell, site, rules.perf_window)
        rt_median = float(np.nanmedian(rt)) if np.isfinite(rt).any() else None
        text += (f", and response time {_ms(rt_median)} vs {_ms(base.rt_med[cell, site])} "
                 f"baseline ({v['rt_ratio'][cell, site]:.2f}x) while every probe answers 2xx: "
                 f"probably serving an error, maintenance or blank page instead of the site")
    elif ratio <= 0.1:
        text += "; the page is nearly empty (white screen?)"
    current = {"at": cell_time(grid.start + cell, grid.step).isoformat(),
               "page_size_bytes": rounded(size, 0), "ratio": rounded(ratio),
               "error_page": error_page}
    if error_page:
        current |= {"response_time_ms": rounded(rt_median, 1),
                    "rt_ratio": rounded(v["rt_ratio"][cell, site])}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site),
            "deviation": v["page_z"][cell, site], "predicted_at": None}


def _cert_evidence(grid, base, signals, site, cell, rules) -> dict:
    days = float(signals.values["cert_days_left"][cell, site])
    expires = datetime.fromtimestamp(float(grid.cert[cell, site]), UTC)
    text = (f"TLS certificate expires {expires:%Y-%m-%d %H:%M} UTC, in {days:.1f} days; "
            f"renewal has not happened")
    current = {"at": cell_time(grid.start + cell, grid.step).isoformat(),
               "cert_expires_at": expires.isoformat(), "days_left": round(days, 2)}
    return {"prediction": text, "current": current,
            "baseline": {"warning_days": rules.cert_warning_days},
            "deviation": days, "predicted_at": expires}


EVIDENCE = {
    "PERFORMANCE_DEGRADATION": _performance_evidence,
    "ERROR_SPIKE": _error_evidence,
    "DOWNTIME": _downtime_evidence,
    "PAGE_SIZE_ANOMALY": _page_evidence,
    "SSL_EXPIRY": _cert_evidence,
}


def _count(n, singular: str, plural: str | None = None) -> str:
    n = int(n)
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _ms(value) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _bytes(value) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    if value >= 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value:.0f} B"


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{max(hours * 60, 5):.0f} min"
    if hours < 36:
        return f"{hours:.0f} hours" if round(hours) != 1 else "1 hour"
    return f"{hours / 24:.1f} days"

