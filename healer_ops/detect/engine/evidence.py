"""Evidence of the shapes the window statistics miss: new extremes and frozen values.

Both are calibrated by ``calibrate.shrunk_pvalues``: a model p-value while the series is
young, the series' own history once there is some, so they count after a few dozen rows
and stop counting where such values are routine.

- ``record``: a value beyond the highest (lowest) of the last weeks, by a margin measured
  in units of their range: what makes a human point at a chart ("it never went that high").
- ``flat``: a run of identical values much longer than this series repeats that value (a
  stuck sensor, a metric that stopped updating, a collector that reports zeros).
- ``silence``: on a series stamped at each event (an order, a delivery), a wait before a row
  that should have held many events at the usual rate of those hours: they stopped coming.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.detect.engine.calibrate import shrunk_pvalues


def repeats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether it and the row before are both known, and whether they are equal."""
    known = np.isfinite(values)
    paired = np.zeros(len(values), dtype=bool)
    paired[1:] = known[1:] & known[:-1]
    same = np.zeros(len(values), dtype=bool)
    same[1:] = (values[1:] == values[:-1]) & paired[1:]
    return paired, same


def flat(values: np.ndarray, pseudo_count: float, history: int,
         prior_rows: float = 5.0, min_changes: int = 10, loosen_only: bool = True,
         censor: float = 0.0) -> np.ndarray:
    """p of the current run of identical values (a stuck sensor, a metric that stopped).

    Model: independent repeats at the rate this series repeats THIS value (its earlier
    repeats at that value, shrunk towards its overall repeat rate with ``prior_rows``), as
    known when the run began; the run's p is rate ** length. A sparse count sitting at 0 or
    an idle CPU at its floor repeats routinely; a continuous metric frozen at a mid-range
    value does not. The series' own history of run lengths takes over as it grows.
    """
    known = np.isfinite(values)
    _, same = repeats(values)
    repeat = pd.Series(same.astype(float))
    rows = np.arange(len(values), dtype=float)
    overall = (repeat.cumsum().shift(1).fillna(0).to_numpy() + 1.0) / (rows + 2.0)
    keys = pd.Series(np.where(known, values, np.nan))
    seen_value = keys.groupby(keys).cumcount().to_numpy().astype(float)
    repeats_value = (repeat.groupby(keys).cumsum() - repeat).to_numpy()
    repeats_value = np.nan_to_num(repeats_value)
    rate = (repeats_value + prior_rows * overall) / (seen_value + prior_rows)
    groups = np.cumsum(~same)
    run = repeat.groupby(groups).cumsum().to_numpy()
    rate_at_start = pd.Series(rate).groupby(groups).transform("first").to_numpy()
    changes = np.cumsum(~same & known) - 1  # value changes up to each run's first row
    judged = (run > 0) & (changes >= min_changes)
    prior = np.where(judged, np.clip(rate_at_start, 1e-12, 1.0) ** run, 1.0)
    stat = np.where(judged, run, np.nan)
    # the series' history may only loosen the model (long runs are routine here), never
    # tighten it: within one run every row is a new longest run
    shrunk = shrunk_pvalues(stat, prior, pseudo_count, history=history, censor=censor)
    return np.maximum(prior, shrunk) if loosen_only else shrunk


def record(values: np.ndarray, margin_scale: float, window: int, pseudo_count: float,
           history: int, rarity: bool = True, censor: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """A new extreme: how far x_t passes the highest (lowest) of the last ``window`` rows,
    in units of their range.

    Model p-value: a record among N exchangeable values has probability 1 / (N + 1)
    (``rarity``), falling exponentially with the margin (``margin_scale`` of the range per
    e-fold), so a value far beyond anything seen is very surprising; the series' own history
    of margins takes over as it grows (a trending series sets records all the time).
    """
    series = pd.Series(values, dtype=float)
    rolling = series.rolling(window, min_periods=2)
    high = rolling.max().shift(1).to_numpy()
    low = rolling.min().shift(1).to_numpy()
    seen = rolling.count().shift(1).fillna(0).to_numpy()
    rare = 1.0 / (seen + 1.0) if rarity else 1.0  # a record among N exchangeable values
    spread = np.maximum(high - low, 1e-12 + 1e-9 * np.abs(high))
    out = []
    for margin in ((values - high) / spread, (low - values) / spread):
        with np.errstate(over="ignore", invalid="ignore"):
            prior = np.where(margin > 0, rare * np.exp(-margin / margin_scale), 1.0)
        stat = np.where(np.isfinite(margin), margin, np.nan)
        out.append(shrunk_pvalues(stat, np.nan_to_num(prior, nan=1.0), pseudo_count,
                                  history=history, censor=censor))
    return out[0], out[1]


def silence(seconds: np.ndarray, pseudo_count: float, history: int, days: int = 7,
            shape: float = np.inf, censor: float = 0.0) -> np.ndarray:
    """p of the wait before each row, by the events it was expected to hold: the rate of
    events at each hour of the day (their mean count at that hour over the last ``days``
    days), integrated over the wait. ``seconds``: each row's time since the start of its
    first day, never decreasing.

    Model: events arriving at random at that rate (Poisson): a wait expected to hold E events
    has p = exp(-E), so the nights' long waits are routine and an afternoon without the
    usual fifty orders is not. Real arrivals are burstier (a newsletter, a quiet Sunday): with
    a finite ``shape`` the rate itself varies, gamma-distributed with that shape around the
    usual one, and p = (1 + E / shape) ** -shape, a heavier tail. The series' own history of E
    takes over as it grows.
    """
    hour = (seconds // 3600).astype(np.int64)
    counts = np.bincount(hour, minlength=(hour[-1] // 24 + 1) * 24).astype(float)
    rate = (pd.DataFrame(counts.reshape(-1, 24)).rolling(days, min_periods=3).mean()
            .shift(1).to_numpy().ravel())  # events per hour, from the days before
    at_hours = np.r_[0.0, np.cumsum(np.nan_to_num(rate))]
    cumulative = at_hours[hour] + np.nan_to_num(rate[hour]) * (seconds / 3600 - hour)
    events = np.diff(cumulative, prepend=np.nan)
    known = np.isfinite(events) & np.r_[False, np.isfinite(rate[hour[:-1]])]
    expected = np.nan_to_num(events)
    waited = np.exp(-expected) if np.isinf(shape) else (1.0 + expected / shape) ** -shape
    prior = np.where(known, waited, 1.0)
    return shrunk_pvalues(np.where(known, events, np.nan), prior, pseudo_count,
                          history=history, censor=censor)
