"""Predictive anomaly detection over the whole fleet, into predictive_alerts.

A run scores the observations of [since, until) (plus a 24 h look-back that fills rolling
windows, trends and the trigger/recovery windows) on a time grid of cells x sites (5-minute
cells, longer when the fleet is probed less often), so every step is one numpy operation over
the fleet, not a loop over sites:

- robust z-scores against each site's seasonal baseline (the latest stored baseline that
  ends at or before the cell; where a site has none recent enough, one is computed from the
  trailing history and stored);
- response time (rolling 1 h median vs the baseline of that hour, sustained 2 h) ->
  PERFORMANCE_DEGRADATION, plus a Theil-Sen trend of the seasonally adjusted response time
  that warns earlier when it climbs steadily and predicts when 3x baseline is crossed;
  errors of the last hour against the site's own error rate (binomial test) -> ERROR_SPIKE;
  nearly every probe failing (errors, timeouts, 5xx, blank pages) -> DOWNTIME; page size far
  from baseline -> PAGE_SIZE_ANOMALY; certificate expiry within 14 days -> SSL_EXPIRY;
- an IsolationForest over hourly per-site feature windows (z-scores of response time, TTFB,
  page size, error and failure rates, and their changes) gives every alert an anomaly_score
  renormalized 0-100 against the run's history of scores, and part of its confidence.
alerts.py turns the per-cell flags into one alert per ongoing problem.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from healer_ops import db
from healer_ops.baselines import site_list, stored_baselines, upsert_baselines
from healer_ops.detect import alerts
from healer_ops.detect.alerts import Trigger
from healer_ops.timeutil import as_utc

DAY_S = 86400
HOUR_S = 3600


@dataclass(frozen=True)
class Rules:
    """Thresholds of the detectors. Counts of cells are for 5-minute cells (the probes'
    cadence); for sparser data the grid's cells are longer (see `for_step`)."""

    step_s: int = 300
    lookback_hours: float = 24.0        # history loaded before `since`
    fallback_days: int = 28             # trailing history of a computed baseline
    baseline_max_age_days: float = 7.0  # refresh a baseline older than this
    young_history_days: float = 7.0     # ... or a day old while history is this short
    min_baseline_samples: int = 72
    min_bucket_samples: int = 6
    # response time
    perf_window: int = 12               # cells in the rolling median (1 h)
    perf_recent: int = 3                # ... and the latest cells must still be slow
    perf_ratio: float = 1.5
    perf_z: float = 4.0
    perf_hot_ratio: float = 1.25
    perf_hot_z: float = 2.5
    perf_limit_ratio: float = 3.0       # the limit a forecast predicts crossing
    perf_min_scale: float = 0.05        # MAD floor, as a fraction of the median
    # trend forecast (hourly medians of response time / seasonal baseline)
    trend_hours: int = 24
    trend_min_points: int = 18
    trend_tau: float = 0.6
    trend_min_growth_per_day: float = 0.10
    trend_horizon_hours: float = 48.0
    # errors
    error_window: int = 12              # cells (1 h)
    error_alpha: float = 1e-6           # binomial test against the site's error rate
    error_hot_alpha: float = 0.05
    error_floor_rate: float = 0.001
    error_limit_rate: float = 0.05
    error_trend_hours: int = 12         # hourly error rates a forecast of errors fits
    # downtime
    down_window: int = 6
    down_rate: float = 0.8
    outage_cells: int = 3               # every probe of these last cells failed: an outage
    down_min: int = 3
    down_hot_rate: float = 0.2
    blank_page_fraction: float = 0.05   # a 2xx page under 5% of the usual size is blank
    # page size
    page_window: int = 6
    page_ratio: float = 2.0
    page_z: float = 5.0
    page_hot_ratio: float = 1.4
    page_min_scale: float = 0.02
    # certificates
    cert_warning_days: float = 14.0
    cert_hot_days: float = 21.0
    # isolation forest
    forest_trees: int = 100
    forest_train_cells: int = 20_000
    triggers: dict = field(default_factory=lambda: {
        "PERFORMANCE_DEGRADATION": Trigger(k=24, n=24, recover=24),
        "ERROR_SPIKE": Trigger(k=1, n=1, recover=12),
        "DOWNTIME": Trigger(k=1, n=1, recover=12),
        "PAGE_SIZE_ANOMALY": Trigger(k=2, n=3, recover=12),
        "SSL_EXPIRY": Trigger(k=1, n=1, recover=12),
    })


RULES = Rules()
STEPS = (300, 600, 900, 1200, 1800, 3600)  # cell lengths that divide an hour


def for_step(rules: Rules, step: int) -> Rules:
    """The rules on cells of `step` seconds: every window keeps its length in time, with
    enough cells to hold the evidence it counts (at least 3 where 3 failures are needed)."""
    if step == rules.step_s:
        return rules
    factor = rules.step_s / step

    def cells(count: int, at_least: int = 1) -> int:
        return max(at_least, math.ceil(count * factor))

    triggers = {}
    for name, t in rules.triggers.items():
        n = cells(t.n)
        triggers[name] = Trigger(k=min(cells(t.k), n), n=n, recover=cells(t.recover, 2))
    return replace(rules, step_s=step,
                   min_baseline_samples=cells(rules.min_baseline_samples, 12),
                   perf_window=cells(rules.perf_window, 3),
                   perf_recent=cells(rules.perf_recent), error_window=cells(rules.error_window, 3),
                   down_window=cells(rules.down_window, 3),
                   outage_cells=cells(rules.outage_cells, 3),
                   page_window=cells(rules.page_window, 3), triggers=triggers)


def choose_step(per_site: list, rules: Rules) -> int:
    """The grid's cell length: the fleet's typical sampling interval (median over sites),
    rounded up to one of STEPS, never below the rules' own step."""
    intervals = []
    for _, arrays in per_site:
        t = arrays[0]
        if len(t) > 2:
            intervals.append((t.max() - t.min()) / (len(t) - 1))
    if not intervals:
        return rules.step_s
    typical = float(np.median(intervals))
    return next((s for s in STEPS if s >= max(rules.step_s, 0.9 * typical)), STEPS[-1])


# ------------------------------------------------------------------------------ entry

def detect_fleet(url: str | None, since: datetime | str, until: datetime | str, *,
                 site_ids: list[str] | None = None, rules: Rules = RULES) -> dict:
    """Score [since, until) and open, update or resolve predictive_alerts.

    Only complete grid cells are scored (the interval is aligned down to the grid). Returns
    {opened, updated, resolved, open_total, by_type, sites, observations, ...}.
    """
    since, until = as_utc(since, "since"), as_utc(until, "until")
    if until <= since:
        raise ValueError(f"until ({until.isoformat()}) must be after since ({since.isoformat()})")
    begin = math.floor((since.timestamp() - rules.lookback_hours * HOUR_S) / HOUR_S) * HOUR_S
    with db.connect(url) as conn:
        # one detection run at a time: alert rows are replaced per interval
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('healer_ops.detect_fleet'))")
        per_site = load_observations(conn, begin, until.timestamp(), site_ids)
        rules = for_step(rules, choose_step(per_site, rules))
        step = rules.step_s
        first = math.floor(since.timestamp() / step)
        stop = math.floor(until.timestamp() / step)
        start = begin // step
        since_t, until_t = _time(first, step), _time(stop, step)
        grid = build_grid(per_site, start, max(stop, first), step)
        if not grid.site_ids or stop <= first:
            return _summary(since_t, until_t, grid, {}, {"rows_changed": 0}, conn)
        base = baseline_grid(conn, grid, rules)
        signals = score(grid, base, rules)
        forest = AnomalyScores(grid, signals, rules)
        rows, counts = build_alerts(conn, grid, base, signals, forest, first - start, rules)
        written = alerts.write_alerts(conn, rows, grid.site_ids, since_t, until_t)
        summary = _summary(since_t, until_t, grid, counts, written, conn)
        conn.commit()
    return summary


def detect_new_data(url: str | None, *, since: datetime | str | None = None,
                    until: datetime | str | None = None, site_ids: list[str] | None = None,
                    first_run_days: float = 28.0, rules: Rules = RULES) -> dict:
    """What the asset-triggered DAG runs: score what arrived since the last run.

    Default interval: from the watermark (where the last whole-fleet run stopped) to the
    start of the cell holding the latest observation (that cell may still be filling; the
    next run scores it), so every scored cell is complete; on the first run, the last
    `first_run_days` of data. Explicit since/until override it (manual
    runs and historic re-runs). The watermark moves forward only after a whole-fleet run
    that starts at or before it, so a re-run of old data never skips new data.
    """
    step = timedelta(seconds=rules.step_s)
    with db.connect(url) as conn:
        mark, first_seen, last_seen = conn.execute(db.query("detect_watermark_get"),
                                                   {"scope": WATERMARK_SCOPE}).fetchone()
    if until is None:
        if last_seen is None:
            return {"scored": False, "reason": "no observations in site_metrics",
                    "watermark": mark.isoformat() if mark else None}
        until = _floor(last_seen, step)
    until = as_utc(until, "until")
    if since is None:
        since = mark or max(_floor(first_seen, step), until - timedelta(days=first_run_days))
    since = as_utc(since, "since")
    if until <= since:
        return {"scored": False, "reason": "no new observations since the watermark",
                "since": since.isoformat(), "until": until.isoformat(),
                "watermark": mark.isoformat() if mark else None}
    summary = detect_fleet(url, since, until, site_ids=site_ids, rules=rules)
    advance = not site_ids and (mark is None or since <= mark)
    if advance:
        with db.connect(url) as conn:
            conn.execute(db.query("detect_watermark_set"),
                         {"scope": WATERMARK_SCOPE, "until": _floor(until, step)})
            conn.commit()
    return {"scored": True, **summary, "watermark_advanced": advance}


WATERMARK_SCOPE = "fleet"


def _floor(when: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.floor(when.timestamp() / seconds) * seconds, UTC)


def _time(cell: int, step: int) -> datetime:
    return datetime.fromtimestamp(cell * step, UTC)


def _summary(since, until, grid, counts, written, conn) -> dict:
    open_by_type = dict(conn.execute(db.query("detect_open_by_type"),
                                     {"site_ids": grid.site_ids}).fetchall())
    by_type = {t: {"opened": counts.get(t, {}).get("opened", 0),
                   "updated": counts.get(t, {}).get("updated", 0),
                   "resolved": counts.get(t, {}).get("resolved", 0),
                   "open": open_by_type.get(t, 0)} for t in alerts.ALERT_TYPES}
    return {
        "since": since.isoformat(), "until": until.isoformat(),
        "sites": len(grid.site_ids), "observations": grid.observations,
        "opened": sum(v["opened"] for v in by_type.values()),
        "updated": sum(v["updated"] for v in by_type.values()),
        "resolved": sum(v["resolved"] for v in by_type.values()),
        "open_total": sum(open_by_type.values()),
        "by_type": by_type, **written,
    }


# ------------------------------------------------------------------------------- grid

@dataclass
class Grid:
    """Observations placed on (cell x site) arrays; cell c covers [c * step, (c+1) * step)."""

    start: int                      # first cell number
    step: int
    site_ids: list[str]
    observations: int
    n: np.ndarray                   # samples per cell
    n_error: np.ndarray
    n_timeout: np.ndarray
    n_5xx: np.ndarray
    n_wsod: np.ndarray
    rt: np.ndarray                  # mean response time of answered, non-error samples
    ttfb: np.ndarray
    page: np.ndarray                # mean page size of non-error samples
    cert: np.ndarray                # latest certificate expiry seen (epoch seconds)
    rows: dict = field(repr=False, default_factory=dict)   # per-sample arrays (flat cell)

    @property
    def shape(self) -> tuple[int, int]:
        return self.n.shape

    def times(self) -> np.ndarray:
        """Epoch seconds of each cell's start."""
        return (self.start + np.arange(self.shape[0])) * float(self.step)


def load_observations(conn, start: float, end: float,
                      site_ids: list[str] | None) -> list[tuple[str, list[np.ndarray]]]:
    """Every observation of [start, end) (epoch seconds), per site: (site_id, [observed_at,
    response_time_ms, ttfb_ms, page_size_bytes, status*4+flags, cert_expires_at]) arrays,
    read with one binary COPY."""
    params = {"start": datetime.fromtimestamp(start, UTC),
              "end": datetime.fromtimestamp(end, UTC), "site_ids": site_list(site_ids)}
    conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # arrays combine slowly
    return sorted(_copy_arrays(conn, db.query("detect_metrics"), params))


def build_grid(per_site: list, start: int, stop: int, step: int) -> Grid:
    """Place the observations on [start, stop) cells of `step` seconds."""
    ids = [row[0] for row in per_site]
    cells, sites = stop - start, len(ids)
    if not ids:
        zero = np.zeros((max(cells, 0), 0))
        return Grid(start, step, [], 0, zero, zero, zero, zero, zero, zero, zero, zero, zero)
    lengths = np.array([len(row[1][0]) for row in per_site])
    t, rt, ttfb, page, packed, cert = (np.concatenate([row[1][k] for row in per_site])
                                       for k in range(6))
    status, flags = packed // 4, packed % 4
    site = np.repeat(np.arange(sites), lengths)
    cell = np.floor(t / step).astype(np.int64) - start
    inside = (cell >= 0) & (cell < cells)
    flat = cell * sites + site
    size = cells * sites
    error = ((flags & 1) > 0) | (status >= 500)
    timeout = np.isnan(rt)
    answered = ~error & ~timeout

    def count(mask):
        return np.bincount(flat[mask & inside], minlength=size).reshape(cells, sites)

    def mean(values, mask):
        mask = mask & inside & ~np.isnan(values)
        total = np.bincount(flat[mask], weights=values[mask], minlength=size)
        n = np.bincount(flat[mask], minlength=size)
        with np.errstate(invalid="ignore"):
            return (total / np.where(n > 0, n, np.nan)).reshape(cells, sites)

    certs = np.full(size, np.nan)
    known = inside & ~np.isnan(cert)
    np.fmax.at(certs, flat[known], cert[known])
    return Grid(
        start=start, step=step, site_ids=ids, observations=int(inside.sum()),
        n=count(np.ones_like(inside)), n_error=count(error), n_timeout=count(timeout),
        n_5xx=count(status >= 500), n_wsod=count((flags & 2) > 0),
        rt=mean(rt, answered), ttfb=mean(ttfb, answered), page=mean(page, answered),
        cert=certs.reshape(cells, sites),
        rows={"flat": flat[inside], "page": page[inside], "status": status[inside],
              "failed": (error | timeout | ((flags & 2) > 0))[inside]},
    )


WORK_MEM = "512MB"
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_POSTGRES_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds
_INT64_MIN = np.iinfo(np.int64).min


def _copy_arrays(conn, sql: str, params: dict) -> list[tuple[str, list[np.ndarray]]]:
    """Rows of (text, array, array, ...) read with binary COPY: one round trip and no
    per-value Python objects (a fleet-week is millions of values)."""
    buf = bytearray()
    with conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
        for chunk in copy:
            buf += chunk
    data = bytes(buf)
    if not data.startswith(_COPY_SIGNATURE):
        raise RuntimeError("unexpected COPY binary header from PostgreSQL")
    (extension,) = struct.unpack_from(">i", data, 15)
    pos = 19 + extension
    rows = []
    while True:
        (fields,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if fields == -1:
            return rows
        (length,) = struct.unpack_from(">i", data, pos)
        text = data[pos + 4:pos + 4 + length].decode()
        pos += 4 + length
        arrays = []
        for _ in range(fields - 1):
            (length,) = struct.unpack_from(">i", data, pos)
            arrays.append(_parse_array(data, pos + 4))
            pos += 4 + length
        rows.append((text, arrays))


def _parse_array(data: bytes, pos: int) -> np.ndarray:
    """A one-dimensional float8, int2 or timestamptz (as epoch seconds, -infinity = NaN)
    array without NULLs, in PostgreSQL's binary format."""
    ndim, has_null, oid = struct.unpack_from(">iii", data, pos)
    code = {701: ">f8", 21: ">i2", 1184: ">i8"}[oid]
    if has_null:
        raise ValueError("detect_metrics must not return NULL array elements")
    if ndim == 0:
        return np.empty(0)
    (count,) = struct.unpack_from(">i", data, pos + 12)
    element = np.dtype([("length", ">i4"), ("value", code)])
    values = np.frombuffer(data, dtype=element, count=count, offset=pos + 20)["value"]
    if oid != 1184:
        return values.astype(code[1:])
    seconds = values.astype(np.int64) / 1e6 + _POSTGRES_EPOCH
    return np.where(values == _INT64_MIN, np.nan, seconds)


# -------------------------------------------------------------------------- baselines

@dataclass
class BaselineGrid:
    """Per cell, the baseline it is judged against (NaN where the site has none yet)."""

    index: np.ndarray               # (cells x sites) row in `records`, -1 = none
    records: list[dict]
    rt_med: np.ndarray              # seasonal median response time of the cell
    rt_scale: np.ndarray            # robust sigma of response time (1.4826 MAD, floored)
    ttfb_med: np.ndarray
    ttfb_scale: np.ndarray
    page_med: np.ndarray
    page_scale: np.ndarray
    error_rate: np.ndarray


def baseline_grid(conn, grid: Grid, rules: Rules) -> BaselineGrid:
    """Attach to each cell the latest baseline ending at or before it (stored ones, plus
    the ones refresh_baselines adds where a site has none recent enough)."""
    times = grid.times()
    start = datetime.fromtimestamp(times[0], UTC)
    until = datetime.fromtimestamp(times[-1] + grid.step, UTC)
    records = stored_baselines(conn, start, until, grid.site_ids)
    records += refresh_baselines(conn, grid.site_ids, records, start, until, rules)
    usable = [r for r in records if r["sample_size"] >= rules.min_baseline_samples
              and r["median_response_time_ms"] is not None]
    return _gather(grid, usable, rules)


def refresh_baselines(conn, site_ids: list[str], records: list[dict], start: datetime,
                      until: datetime, rules: Rules) -> list[dict]:
    """At each UTC midnight from `start`'s day to `until`, compute and store (same SQL and
    key as the performance_baselines DAG) the baseline of the trailing `fallback_days` for
    sites whose latest baseline is missing, older than `baseline_max_age_days`, or a day
    old while its history is still shorter than `young_history_days`. A new site thus gets
    a daily refreshed baseline while it builds history, without waiting for the weekly DAG,
    and later runs reuse what was stored."""
    ends: dict[str, list[tuple[datetime, float]]] = {s: [] for s in site_ids}
    for record in records:
        ends.setdefault(str(record["site_id"]), []).append(
            (record["period_end"], _num(record["history_days"])))
    day = timedelta(days=1)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    computed = []
    while midnight < until:
        stale = [s for s in site_ids if _stale(ends[s], midnight, rules)]
        if stale:
            rows = upsert_baselines(conn, midnight, days=rules.fallback_days, site_ids=stale)
            for row in rows:
                ends[str(row["site_id"])].append((row["period_end"], row["history_days"]))
            computed += rows
        midnight += day
    return computed


def _stale(ends: list[tuple[datetime, float]], midnight: datetime, rules: Rules) -> bool:
    before = [(end, history) for end, history in ends if end <= midnight]
    if not before:
        return True
    end, history = max(before)
    age = (midnight - end) / timedelta(days=1)
    young = not history >= rules.young_history_days  # NaN history counts as young
    return age >= rules.baseline_max_age_days or (young and age >= 1)


def _gather(grid: Grid, records: list[dict], rules: Rules) -> BaselineGrid:
    cells, sites = grid.shape
    times = grid.times()
    column = {s: i for i, s in enumerate(grid.site_ids)}
    index = np.full((cells, sites), -1, dtype=np.int64)
    by_site: dict[int, list[tuple[float, int]]] = {}
    for i, record in enumerate(records):
        by_site.setdefault(column[str(record["site_id"])], []).append(
            (record["period_end"].timestamp(), i))
    for site, ends in by_site.items():
        ends.sort()
        end_times = np.array([e for e, _ in ends])
        rows = np.array([i for _, i in ends])
        pos = np.searchsorted(end_times, times, side="right") - 1
        index[:, site] = np.where(pos >= 0, rows[np.maximum(pos, 0)], -1)

    def field_of(name):
        values = np.array([_num(r[name]) for r in records] + [np.nan])
        return values[index]  # index -1 picks the trailing NaN

    slot = _week_slot(times)
    prof_med, prof_mad = _profiles(records, rules.min_bucket_samples)
    med = field_of("median_response_time_ms")
    mad = field_of("mad_response_time_ms")
    if records:
        seasonal_med = prof_med[index, slot[:, None]]
        seasonal_mad = prof_mad[index, slot[:, None]]
        seasonal_med = np.where(np.isnan(seasonal_med), med, seasonal_med)
        seasonal_mad = np.where(np.isnan(seasonal_mad), mad, seasonal_mad)
    else:
        seasonal_med, seasonal_mad = med, mad
    season = seasonal_med / med  # the hour's level relative to the whole period
    ttfb_med = field_of("median_ttfb_ms") * season
    page_med = field_of("median_page_size_bytes")
    return BaselineGrid(
        index=index, records=records,
        rt_med=seasonal_med,
        rt_scale=np.fmax(1.4826 * seasonal_mad, rules.perf_min_scale * seasonal_med),
        ttfb_med=ttfb_med,
        ttfb_scale=np.fmax(1.4826 * field_of("mad_ttfb_ms") * season,
                           rules.perf_min_scale * ttfb_med),
        page_med=page_med,
        page_scale=np.fmax(1.4826 * field_of("mad_page_size_bytes"),
                           rules.page_min_scale * page_med),
        error_rate=field_of("avg_error_rate"),
    )


def _num(value) -> float:
    return np.nan if value is None else float(value)


def _week_slot(times: np.ndarray) -> np.ndarray:
    """(ISO weekday - 1) * 24 + UTC hour of each epoch time."""
    days = np.floor(times / DAY_S).astype(np.int64)
    hours = ((times - days * DAY_S) // HOUR_S).astype(np.int64)
    return ((days + 3) % 7) * 24 + hours  # 1970-01-01 was a Thursday


def _profiles(records: list[dict], min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(records + 1) x 168 medians and MADs of response time by week slot (NaN = global)."""
    med = np.full((len(records) + 1, 168), np.nan)
    mad = np.full((len(records) + 1, 168), np.nan)
    for i, record in enumerate(records):
        profile = record["seasonal_profile"] or {}
        if isinstance(profile, str):
            profile = json.loads(profile)
        for key, stats in profile.items():
            if stats.get("n", 0) < min_n or stats.get("median") is None:
                continue
            weekday, hour = key.split(":")
            slots = [d * 24 + int(hour) for d in range(7)] if weekday == "*" else \
                [(int(weekday) - 1) * 24 + int(hour)]
            med[i, slots] = stats["median"]
            mad[i, slots] = stats["mad"]
    return med, mad


# ---------------------------------------------------------------------------- signals

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


def score(grid: Grid, base: BaselineGrid, rules: Rules) -> Signals:
    values: dict[str, np.ndarray] = {}
    by_type = {
        "PERFORMANCE_DEGRADATION": _performance(grid, base, rules, values),
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


def _performance(grid, base, rules, values) -> Signal:
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
    severity = np.select([ratio >= 3, ratio >= 2, flag & (eta <= 12), ratio >= rules.perf_ratio],
                         [3, 2, 2, 1], default=0)
    strength = np.fmin(ratio / rules.perf_ratio, z / rules.perf_z)
    return Signal(flag, hot | flag, ~np.isnan(ratio), severity, strength)


def _errors(grid, base, rules, values) -> Signal:
    from scipy.stats import binom

    w = rules.error_window
    errors = rolling_sum(grid.n_error, w)
    samples = rolling_sum(grid.n, w)
    expected = np.fmax(np.nan_to_num(base.error_rate, nan=0.0), rules.error_floor_rate)
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
    flag = far & (np.abs(z) >= rules.page_z)
    hot = (ratio >= rules.page_hot_ratio) | (ratio <= 1 / rules.page_hot_ratio)
    severity = np.where(ratio <= 0.1, 2, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        strength = np.abs(np.log(ratio)) / math.log(rules.page_ratio)
    return Signal(flag, hot | flag, ~np.isnan(ratio), severity, strength)


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


# ----------------------------------------------------------------------- isolation forest

class AnomalyScores:
    """IsolationForest over hourly per-site feature windows, fitted on a sample of the run's
    hours; a score is renormalized 0-100 against the sample's own scores, the history
    (Elastic-style, see renormalize), so 50 means "as unusual as the top 1% of hours"
    whether the site is quiet or noisy (the features are per-site robust z-scores)."""

    FEATURES = ("rt_z_cell", "ttfb_z_cell", "page_z_cell", "failure_cell")

    def __init__(self, grid: Grid, signals: Signals, rules: Rules):
        per_hour = HOUR_S // grid.step
        v = signals.values
        features = [hourly_median(v[k], per_hour) for k in self.FEATURES]
        n = hourly_sum(grid.n, per_hour)
        features.append(hourly_sum(grid.n_error, per_hour) / np.fmax(n, 1))
        features += [np.diff(f, axis=0, prepend=np.nan) for f in features[:3]]
        # an hour without answers (or before a baseline) has no z-scores: neutral 0 there,
        # its failure and error rates still speak
        stacked = np.nan_to_num(np.stack(features, axis=-1), nan=0.0)
        self.features = np.clip(stacked, -50, 50)  # hours x sites x k
        self.features[n == 0] = np.nan             # no observation at all: not scored
        self.per_hour, self.start = per_hour, grid.start
        self.forest, self.history = None, np.empty(0)
        usable = np.flatnonzero(np.isfinite(self.features).all(axis=-1).ravel())
        if usable.size < 50:
            return
        from sklearn.ensemble import IsolationForest

        rng = np.random.default_rng(0)
        sample = rng.choice(usable, min(usable.size, rules.forest_train_cells), replace=False)
        train = self.features.reshape(-1, self.features.shape[-1])[np.sort(sample)]
        self.forest = IsolationForest(n_estimators=rules.forest_trees, random_state=0)
        self.forest.fit(train)
        self.history = np.sort(-self.forest.score_samples(train))

    def hours_of(self, cells: slice) -> slice:
        """The hours (rows of `features`) that the cells of a span fall in."""
        first = (cells.start + self.start % self.per_hour) // self.per_hour
        last = (cells.stop - 1 + self.start % self.per_hour) // self.per_hour
        return slice(first, last + 1)

    def max_scores(self, requests: list[tuple[slice, int]]) -> list[float | None]:
        """For each (cells, site), the highest renormalized score of the site's hours that
        the cells fall in (one IsolationForest call for all of them)."""
        if self.forest is None or not requests:
            return [None] * len(requests)
        blocks = []
        for cells, site in requests:
            rows = self.features[self.hours_of(cells), site]
            blocks.append(rows[np.isfinite(rows).all(axis=-1)])
        sizes = [len(b) for b in blocks]
        if not sum(sizes):
            return [None] * len(requests)
        scores = renormalize(-self.forest.score_samples(np.concatenate(blocks)), self.history)
        out, pos = [], 0
        for size in sizes:
            out.append(float(scores[pos:pos + size].max()) if size else None)
            pos += size
        return out


def renormalize(scores: np.ndarray, history: np.ndarray, top_share: float = 0.01) -> np.ndarray:
    """0-100 scores of raw anomaly scores against their sorted history: the share of the
    history at least as anomalous, mapped like the series detector's p-values (the top 1%
    scores 50, the top 0.01% 75; the order of the evidence is kept)."""
    from healer_ops.detect.series_stats import pvalue_to_score

    count = len(history)
    share = (count - np.searchsorted(history, scores, side="left") + 1) / (count + 1)
    return 100.0 * pvalue_to_score(share, top_share)


def hourly_sum(a: np.ndarray, per_hour: int) -> np.ndarray:
    cells, sites = a.shape
    hours = cells // per_hour
    return a[:hours * per_hour].reshape(hours, per_hour, sites).sum(axis=1)


# ----------------------------------------------------------------------------- alerts

def build_alerts(conn, grid: Grid, base: BaselineGrid, signals: Signals, forest: AnomalyScores,
                 first: int, rules: Rules) -> tuple[list[dict], dict]:
    """Episodes of every (site, type) from cell `first` on, as predictive_alerts rows."""
    since = _time(grid.start + first, grid.step)
    prior = alerts.prior_alerts(conn, grid.site_ids, since)
    episodes = []
    open_cells: dict[tuple[str, int], np.ndarray] = {}
    order = sorted(signals.by_type, key=lambda t: t in EXPLAINED_BY)  # explainers first
    for alert_type in order:
        signal = signals.by_type[alert_type]
        trigger = rules.triggers[alert_type]
        active = signal.flag[max(first - trigger.n, 0):].any(axis=0)
        candidates = set(np.flatnonzero(active).tolist()) | _prior_sites(prior, grid, alert_type)
        for site in sorted(candidates):
            previous = prior.get(alerts.dedup_key(grid.site_ids[site], alert_type))
            flag = signal.flag[:, site]
            explained = open_cells.get((EXPLAINED_BY.get(alert_type), site))
            if explained is not None:
                flag = flag & ~explained
            spans = alerts.track(flag, signal.hot[:, site], signal.has_data[:, site], first,
                                 trigger, previous is not None)
            if alert_type in EXPLAINED_BY.values():
                open_cells[(alert_type, site)] = _open_mask(spans, first, grid.shape[0])
            for opened, first_bad, last_seen, resolved in spans:
                if opened is None and last_seen is None and resolved is None:
                    continue  # an open alert with nothing new in this run stays as it is
                episodes.append(alerts.Episode(site, alert_type, opened, first_bad, last_seen,
                                               resolved, previous if opened is None else None))
    spans = [_span(e, first, grid) for e in episodes]
    anomaly = forest.max_scores([(span, e.site) for span, e in zip(spans, episodes,
                                                                     strict=True)])
    rows, counts = [], {}
    for episode, span, score in zip(episodes, spans, anomaly, strict=True):
        rows.append(_alert_row(grid, base, signals, episode, span, score, rules))
        tally = counts.setdefault(episode.alert_type, {"opened": 0, "updated": 0, "resolved": 0})
        tally["opened" if episode.opened is not None else "updated"] += 1
        tally["resolved"] += episode.resolved is not None
    return rows, counts


def _open_mask(spans: list[tuple], first: int, cells: int) -> np.ndarray:
    """Cells during which the episodes' alert was open."""
    mask = np.zeros(cells, dtype=bool)
    for opened, _, _, resolved in spans:
        mask[first if opened is None else opened:cells if resolved is None else resolved] = True
    return mask


def _span(episode: alerts.Episode, first: int, grid: Grid) -> slice:
    """The cells of an episode inside this run (from its opening or the run's start)."""
    lo = episode.opened if episode.opened is not None else first
    hi = (episode.resolved if episode.resolved is not None else grid.shape[0]) - 1
    return slice(max(lo, 0), max(hi, lo) + 1)


def _prior_sites(prior: dict, grid: Grid, alert_type: str) -> set[int]:
    column = {s: i for i, s in enumerate(grid.site_ids)}
    return {column[row["site_id"]] for row in prior.values()
            if row["alert_type"] == alert_type and row["site_id"] in column}


def _alert_row(grid, base, signals, episode, span, anomaly, rules) -> dict:
    alert_type, site, previous = episode.alert_type, episode.site, episode.prior
    signal = signals.by_type[alert_type]
    site_id = grid.site_ids[site]
    time = lambda cell: _time(grid.start + cell, grid.step)  # noqa: E731
    report = episode.last_seen if episode.last_seen is not None else episode.opened
    if report is None:  # a prior alert that recovers without new anomalies in this run
        report = _last_flag_before(signal.flag[:, site], episode.resolved)
    flagged = signal.flag[span, site]
    severity_code = int(signal.severity[span, site][flagged].max()) if flagged.any() else 1
    severity = alerts.SEVERITIES[severity_code]
    if previous is not None:
        severity = alerts.max_severity(severity, previous["severity"])
    if report is None:
        evidence = {"prediction": previous["prediction"], "current": previous["current_metrics"],
                    "baseline": previous["baseline_metrics"], "deviation": previous["deviation"],
                    "predicted_at": previous["predicted_at"]}
        anomaly = previous["anomaly_score"]
        strength = 1.0
    else:
        evidence = EVIDENCE[alert_type](grid, base, signals, site, report, rules)
        strength = float(np.nan_to_num(signal.strength[report, site], nan=1.0))
    # what the alert said when it opened (the page an operator got), kept while it lasts
    if episode.opened is not None:
        opening = (evidence if episode.opened == report else
                   EVIDENCE[alert_type](grid, base, signals, site, episode.opened, rules))
        at_open = {"at": time(episode.opened).isoformat(), "prediction": opening["prediction"],
                   "predicted_at": _iso(opening["predicted_at"])}
    else:
        at_open = previous["current_metrics"].get("at_open")
    predicted_at = (evidence["predicted_at"]
                    or (at_open or {}).get("predicted_at")
                    or (previous or {}).get("predicted_at"))
    if alert_type == "SSL_EXPIRY" and report is not None:
        days = signals.values["cert_days_left"][report, site]
        anomaly = round(100 * min(1.0, max(0.0, 1 - days / rules.cert_warning_days)), 1)
    confidence = _confidence(alert_type, strength, anomaly)
    if previous is not None:
        confidence = max(confidence, previous["confidence"])
    current = dict(evidence["current"], at_open=at_open)
    if episode.first_anomalous is not None:
        current["first_anomalous_at"] = time(episode.first_anomalous).isoformat()
    elif previous is not None and "first_anomalous_at" in previous["current_metrics"]:
        current["first_anomalous_at"] = previous["current_metrics"]["first_anomalous_at"]
    if previous is not None and previous["anomaly_score"] is not None:
        anomaly = max(anomaly or 0.0, previous["anomaly_score"])
    return {
        "site_id": site_id, "alert_type": alert_type, "severity": severity,
        "prediction": evidence["prediction"], "confidence": round(confidence, 3),
        "current_metrics": current, "baseline_metrics": evidence["baseline"],
        "deviation": _round(evidence["deviation"]),
        "anomaly_score": None if anomaly is None else round(anomaly, 1),
        "predicted_at": _parse_time(predicted_at),
        "dedup_key": alerts.dedup_key(site_id, alert_type),
        "status": "open" if episode.resolved is None else "resolved",
        "opened_at": previous["opened_at"] if previous is not None else time(episode.opened),
        "last_seen_at": (time(episode.last_seen) if episode.last_seen is not None
                         else previous["last_seen_at"]),
        "resolved_at": None if episode.resolved is None else time(episode.resolved),
    }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _parse_time(when) -> datetime | None:
    return datetime.fromisoformat(when) if isinstance(when, str) else when


def _last_flag_before(flag: np.ndarray, end: int | None) -> int | None:
    cells = np.flatnonzero(flag[:end])
    return int(cells[-1]) if cells.size else None


def _confidence(alert_type: str, strength: float, anomaly: float | None) -> float:
    if alert_type == "SSL_EXPIRY":
        return 0.99  # the expiry date is a fact; only the renewal is uncertain
    rule = min(1.0, max(0.0, strength - 1.0))
    forest = 0.0 if anomaly is None else anomaly / 100
    return min(0.99, 0.55 + 0.3 * rule + 0.15 * forest)


def _round(value, digits: int = 3):
    if value is None or not np.isfinite(float(value)):
        return None
    return round(float(value), digits)


# --------------------------------------------------------------------------- evidence

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
        "median_response_time_ms": _round(record["median_response_time_ms"], 1),
        "p95_response_time_ms": _round(record["p95_response_time_ms"], 1),
        "seasonal_median_response_time_ms": _round(base.rt_med[cell, site], 1),
        "median_ttfb_ms": _round(record["median_ttfb_ms"], 1),
        "median_page_size_bytes": _round(record["median_page_size_bytes"], 0),
        "avg_error_rate": _round(record["avg_error_rate"], 5),
    }


def _performance_evidence(grid, base, signals, site, cell, rules) -> dict:
    v = signals.values
    recent = _window(grid.rt, cell, site, rules.perf_window)
    p95 = float(np.nanpercentile(recent, 95)) if np.isfinite(recent).any() else None
    median = float(np.nanmedian(recent)) if np.isfinite(recent).any() else None
    ratio = v["rt_ratio"][cell, site]
    base_med = base.rt_med[cell, site]
    record = base.records[base.index[cell, site]]
    base_p95 = _num(record["p95_response_time_ms"]) * base_med / _num(
        record["median_response_time_ms"])
    growth, eta = v["rt_growth_per_day"][cell, site], v["rt_eta_hours"][cell, site]
    text = (f"response time {_ms(median)} (p95 {_ms(p95)}) over the last hour vs "
            f"{_ms(base_med)} baseline (p95 {_ms(base_p95)}), {ratio:.1f}x")
    predicted_at = None
    if np.isfinite(growth) and growth > 0.02:
        text += f", rising {growth:.0%}/day"
    limit = rules.perf_limit_ratio * base_med
    if ratio >= rules.perf_limit_ratio:
        text += f"; above the {_ms(limit)} limit ({rules.perf_limit_ratio:g}x baseline)"
    elif np.isfinite(eta):
        predicted_at = _time(grid.start + cell, grid.step) + timedelta(hours=float(eta))
        text += (f"; expected to pass {_ms(limit)} ({rules.perf_limit_ratio:g}x baseline) "
                 f"in about {_duration(eta)}")
    level, slope, error_eta = error_forecast(grid, signals, site, cell, rules)
    text += _error_outlook(level, slope, error_eta, rules)
    current = {"at": _time(grid.start + cell, grid.step).isoformat(),
               "response_time_ms": _round(median, 1), "p95_response_time_ms": _round(p95, 1),
               "ratio": _round(ratio), "z": _round(v["rt_z"][cell, site]),
               "growth_per_day": _round(growth), "trend_tau": _round(v["rt_tau"][cell, site]),
               "hours_to_limit": _round(eta, 1), "error_rate_hourly": _round(level, 4),
               "error_rate_slope_per_hour": _round(slope, 4),
               "hours_to_error_limit": _round(error_eta, 1)}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site) | {
                "limit_response_time_ms": _round(limit, 1)},
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
    current = {"at": _time(grid.start + cell, grid.step).isoformat(), "error_rate": _round(rate),
               "errors": errors, "samples": samples,
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
    current = {"at": _time(grid.start + cell, grid.step).isoformat(),
               "failure_rate": _round(v["failure_rate"][cell, site]), "failures": fails,
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
    if ratio <= 0.1:
        text += "; the page is nearly empty (white screen?)"
    current = {"at": _time(grid.start + cell, grid.step).isoformat(),
               "page_size_bytes": _round(size, 0), "ratio": _round(ratio)}
    return {"prediction": text, "current": current,
            "baseline": _baseline_evidence(base, cell, site),
            "deviation": v["page_z"][cell, site], "predicted_at": None}


def _cert_evidence(grid, base, signals, site, cell, rules) -> dict:
    days = float(signals.values["cert_days_left"][cell, site])
    expires = datetime.fromtimestamp(float(grid.cert[cell, site]), UTC)
    text = (f"TLS certificate expires {expires:%Y-%m-%d %H:%M} UTC, in {days:.1f} days; "
            f"renewal has not happened")
    current = {"at": _time(grid.start + cell, grid.step).isoformat(),
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

