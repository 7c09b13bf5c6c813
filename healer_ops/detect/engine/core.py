"""score_series / score_new: the engine's evidence, combined and decided, for one series.

The series is cut into steps of about an hour (at most ``max_rows_per_step`` rows; the
spacing comes from the first ``min_history_rows`` timestamps, nothing is scored before).
Evidence, each calibrated into a p-value against its own history (``calibrate``), so the
same number means the same on a quiet and on a noisy series:

1. ``shape`` (at the end of each step): novelty of the last hours' shape, the distance to
   the nearest earlier window of the series (``novelty``); a pattern seen before, however
   large, is not news.
2. ``seasonal`` (end of each step): the same novelty on the day-over-day difference
   (``x_t`` minus the median of the same clock time on the last days, found by timestamp
   so gaps and irregular spacing keep the time of day), or on the residual against a
   reference the caller gives (the fleet's seasonal baseline): a daily peak that does not
   come, or comes at the wrong hour.
3. ``spike`` / ``level`` / ``seasonal`` (every row, a tiny share of the false-alarm budget so
   only extreme points count): robust z-scores of the value against several windows, of
   the mean of the last rows, and of the seasonal difference.
4. ``drift`` (end of each step): a CUSUM of the hourly means
   against the last week's, for shifts too small to be extreme anywhere (``drift``).
5. ``extreme`` (every row): a value beyond the highest or lowest of the last weeks by a
   margin of their range (``evidence.record``).
6. ``flat`` (every row): a run of identical values far longer than this series repeats that
   value (``evidence.flat``).
7. ``changes`` (end of each step; off by default, ``change_weight``): how often the value
   changed in the last hours, against the earlier windows (``change_pvalues``).
8. ``rate`` (every row): on a total that only grows between resets (``accumulating``; a
   fall to at most half is a reset, after which it grows from zero), the level statistic
   of its hourly rate of increase (``increase_rates``): a counter climbing faster or slower
   than it did. On such a total, ``shape``, ``seasonal`` and
   ``drift`` read that rate too (``totals_by_rate``): the rate repeats day by day, the total
   is new every hour.
9. ``silence`` (every row): on rows stamped at each event (``event_stamped``: an order, a
   delivery), a wait before the row that should have held many events at the rate those
   hours of the day had on the last days (``evidence.silence``): the events stopped coming,
   whatever their values.

They are combined by weighted Bonferroni (smallest p / weight; the weights are shares of
the false-alarm budget) and decided by ``decide``: one detection per problem.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from healer_ops.detect.engine import evidence
from healer_ops.detect.engine.calibrate import shrunk_pvalues, tail_pvalues, two_sided_pvalues
from healer_ops.detect.engine.config import DEFAULT_CONFIG, EngineConfig
from healer_ops.detect.engine.decide import Episode, decide, episodes_of
from healer_ops.detect.engine.drift import drift_pvalues
from healer_ops.detect.engine.novelty import window_novelty
from healer_ops.detect.engine.statistics import (
    mean_shift_zscore,
    robust_zscore,
    scale_floor,
    seasonal_difference,
    stabilizer,
)

DAY_SECONDS = 86400.0
EVENT_LOG_SPREAD = 0.9  # standard deviation of the log of the waits between rows
WEEKEND_LOOKBACK_DAYS = 15  # five weekdays back at most; two to four weekend days
# codes are stable (stored by callers): append new names, never reorder
EVIDENCE = ("none", "spike", "level", "variance", "seasonal", "shape", "flat", "sequence",
            "extreme", "drift", "changes", "rate", "silence")
CODE = {name: code for code, name in enumerate(EVIDENCE)}
TIMELESS = [CODE["flat"], CODE["silence"]]  # evidence with no direction of the value


@dataclass
class Detection:
    """Per-row results of the engine (the package docstring says what each array holds)."""

    score: np.ndarray
    pvalue: np.ndarray
    alert: np.ndarray
    active: np.ndarray
    direction: np.ndarray
    evidence: np.ndarray
    expected: np.ndarray

    def __getitem__(self, rows: slice) -> Detection:
        return Detection(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def __len__(self) -> int:
        return len(self.score)


def spacing_seconds(timestamps, rows: int) -> float | None:
    """Median spacing of the first ``rows`` timestamps (None if not increasing)."""
    stamps = pd.Series(pd.DatetimeIndex(timestamps[:rows]))
    if len(stamps) < 2:
        return None
    spacing = float(stamps.diff().dt.total_seconds().median())
    return spacing if spacing > 0 else None


def elapsed_seconds(timestamps) -> np.ndarray:
    """Seconds since the first timestamp, never decreasing (backward steps count as 0)."""
    stamps = pd.DatetimeIndex(timestamps)
    seconds = np.asarray((stamps - stamps[0]).total_seconds(), dtype=float)
    return np.maximum.accumulate(seconds)


def seconds_of_day_one(timestamps) -> np.ndarray:
    """``elapsed_seconds`` counted from the midnight before the first timestamp."""
    first = pd.Timestamp(timestamps[0])
    return elapsed_seconds(timestamps) + (first - first.normalize()).total_seconds()


def event_stamped(timestamps, rows: int) -> bool:
    """Rows stamped at each event (an order, a delivery), not sampled on a clock: the log of
    the waits between the first ``rows`` rows spreads like random arrivals' (a standard
    deviation of 1.28 for Poisson; a jittered clock's is near 0, and a clock that loses
    samples, waiting 1, 2 or 4 intervals, stays near 0.5)."""
    waits = np.diff(elapsed_seconds(timestamps[:rows]))
    waits = waits[waits > 0]
    return len(waits) >= 2 and float(np.std(np.log(waits))) >= EVENT_LOG_SPREAD


def rows_per_step(spacing: float | None, config: EngineConfig) -> int:
    if not spacing:
        return 1
    return min(config.max_rows_per_step, max(1, round(config.step_seconds / spacing)))


def day_over_day(values: np.ndarray, timestamps, spacing: float,
                 config: EngineConfig) -> np.ndarray:
    """``x_t`` minus the median of the readings at the same clock time on the last days
    (with ``weekend_reference``: the last days of the same kind, weekday or weekend, within
    ``WEEKEND_LOOKBACK_DAYS``)."""
    stamps = pd.DatetimeIndex(timestamps)
    seconds = np.asarray((stamps - stamps[0]).total_seconds(), dtype=float)
    if not config.weekend_reference:
        return seasonal_difference(values, DAY_SECONDS, config.reference_seasons, seconds,
                                   spacing / 2)
    # no reference rather than a wrong one: the first weekend compared with weekdays would
    # teach the calibration that a weekday as quiet as a Sunday is routine
    return seasonal_difference(values, DAY_SECONDS, config.reference_seasons, seconds,
                               spacing / 2, kinds=np.asarray(stamps.dayofweek >= 5),
                               lookback=WEEKEND_LOOKBACK_DAYS)


def point_evidence(values: np.ndarray, difference: np.ndarray | None,
                   config: EngineConfig, noise_floor: float = 0.0) -> dict[str, np.ndarray]:
    """Bonferroni-corrected p of the point statistics, per kind: spike, level, seasonal
    (``difference``: against the seasonal reference)."""
    tail = dict(quantile=config.tail_quantile, refit_every=100, history=8640,
                warmup=config.point_warmup_rows, censor=config.calibration_censor)
    floor = np.maximum(scale_floor(values, config.scale_floor_fraction), noise_floor)
    statistics = {"spike": [robust_zscore(values, window, floor)
                            for window in config.point_windows],
                  "level": [mean_shift_zscore(values, config.mean_rows, config.mean_window,
                                              floor)]}
    if difference is not None:
        statistics["seasonal"] = [robust_zscore(
            difference, config.seasonal_window,
            np.maximum(scale_floor(difference, config.scale_floor_fraction), noise_floor))]
    count = sum(len(group) for group in statistics.values())
    return {name: np.minimum(1.0, count * np.min([two_sided_pvalues(z, **tail)
                                                  for z in group], axis=0))
            for name, group in statistics.items()}


def novelty_pvalues(values: np.ndarray, step_rows: int, first_row: int,
                    config: EngineConfig) -> np.ndarray:
    """Per complete step, the calibrated p of the window novelty (windows from ``first_row``)."""
    novelty = window_novelty(values, step_rows, config.window_steps,
                             config.exclude_steps, config.library_steps)
    first_complete = -(-first_row // step_rows) + config.window_steps - 1
    novelty[:first_complete] = np.nan
    return tail_pvalues(novelty, quantile=config.tail_quantile, refit_every=10,
                        history=8640, warmup=config.novelty_warmup_steps,
                        censor=config.calibration_censor)


def at_step_ends(step_pvalues: np.ndarray, rows: int, step_rows: int) -> np.ndarray:
    out = np.ones(rows)
    ends = out[step_rows - 1::step_rows]
    ends[:] = step_pvalues[:len(ends)]
    return out


def seasonal_reference(values: np.ndarray, timestamps, spacing: float | None,
                       reference, config: EngineConfig) -> np.ndarray | None:
    """The difference to what the season (or the caller's reference) expects, or None."""
    if reference is not None:
        return values - np.asarray(reference, dtype=float)
    if not (spacing and DAY_SECONDS / spacing >= 4):
        return None
    return day_over_day(values, timestamps, spacing, config)


def daily_shape_difference(values: np.ndarray, timestamps, spacing: float | None,
                           config: EngineConfig) -> np.ndarray | None:
    """The day-over-day difference of the daily shape around each day's own level.

    After a lasting shift the median of the last days flips to the new level on the third
    day; compared on their shapes, the days do not "echo" the shift then.
    """
    if not (spacing and DAY_SECONDS / spacing >= 4):
        return None
    return day_over_day(values - daily_level(values, spacing), timestamps, spacing, config)


def daily_level(values: np.ndarray, spacing: float) -> np.ndarray:
    """Median of the last day of rows (causal: rows before t), the series' current level."""
    rows = max(4, round(DAY_SECONDS / spacing))
    median = pd.Series(values, dtype=float).rolling(rows, min_periods=max(3, rows // 4))
    return median.median().shift(1).to_numpy()


def weighted_evidence(values: np.ndarray, timestamps, reference, config: EngineConfig
                      ) -> tuple[dict[str, np.ndarray], int, np.ndarray]:
    """Per evidence name, its p-value per row divided by its weight; the rows per step;
    and the expected value per row."""
    n = len(values)
    spacing = spacing_seconds(timestamps, config.min_history_rows)
    step_rows = rows_per_step(spacing, config)
    raw_difference = seasonal_reference(values, timestamps, spacing, reference, config)
    expected = expected_values(values, raw_difference, config)
    raw = values
    noise_floor = 0.0
    if config.stabilize:  # every statistic on the transformed scale; expected stays raw
        name, transform = stabilizer(values, config.min_history_rows)
        noise_floor = count_noise_floor(values, name, config)
        values = transform(values)
        reference = None if reference is None else transform(reference)
        difference = seasonal_reference(values, timestamps, spacing, reference, config)
    else:
        difference = raw_difference
    rate = total_rate(raw, timestamps, step_rows, config) if reference is None else None
    windows_source = values
    if rate is not None and config.totals_by_rate:
        windows_source = rate
        difference = seasonal_reference(rate, timestamps, spacing, None, config)
    novelty = {"shape": novelty_pvalues(windows_source, step_rows, 0, config)}
    if difference is not None:
        known = np.flatnonzero(np.isfinite(difference))
        novelty["seasonal"] = novelty_pvalues(difference, step_rows,
                                              known[0] if len(known) else n, config)
    novelty_weight = (1.0 - config.point_weight) / len(novelty)
    weighted = {name: at_step_ends(p / novelty_weight, n, step_rows)
                for name, p in novelty.items()}
    if config.point_weight > 0:  # Bonferroni over the rows of a step too
        point_difference = difference
        if reference is None and config.seasonal_detrend:
            point_difference = daily_shape_difference(values, timestamps, spacing, config)
        for name, p in point_evidence(values, point_difference, config,
                                      noise_floor).items():
            point = p * step_rows / config.point_weight
            weighted[name] = np.minimum(weighted.get(name, np.ones(n)), point)
    calibration = dict(pseudo_count=config.pseudo_count, history=config.calibration_history,
                       censor=config.calibration_censor)
    if config.extreme_weight > 0:
        up, down = evidence.record(values, config.extreme_margin, config.extreme_window,
                                   **calibration)
        extreme = np.minimum(up, down) / config.extreme_weight
        # a young series sets records all the time (the first day of a daily cycle)
        extreme[elapsed_seconds(timestamps) < config.extreme_after_seconds] = np.inf
        weighted["extreme"] = extreme
    if config.flat_weight > 0:
        weighted["flat"] = evidence.flat(raw, loosen_only=config.flat_loosen_only,
                                         **calibration) / config.flat_weight
    if config.silence_weight > 0 and event_stamped(timestamps, config.min_history_rows):
        silence = evidence.silence(seconds_of_day_one(timestamps), **calibration,
                                   shape=config.silence_shape)
        weighted["silence"] = silence * step_rows / config.silence_weight  # per row
    if config.change_weight > 0:
        changes = change_pvalues(raw, step_rows, config)
        weighted["changes"] = at_step_ends(changes / config.change_weight, n, step_rows)
    if rate is not None and config.rate_weight > 0:
        # the level statistic of the hourly rate (Bonferroni over a step's rows, as points)
        level = point_evidence(rate, None, config)["level"]
        weighted["rate"] = level * step_rows / config.rate_weight
    if config.drift_weight > 0:
        source = windows_source if difference is None else difference
        drift = drift_pvalues(source, step_rows, config.drift_reference_steps,
                              config.drift_slack, config.drift_cap,
                              config.drift_floor_fraction, config.pseudo_count,
                              config.calibration_history // step_rows,
                              config.calibration_censor)
        weighted["drift"] = at_step_ends(drift / config.drift_weight, n, step_rows)
    return weighted, step_rows, expected


def change_pvalues(values: np.ndarray, step_rows: int, config: EngineConfig) -> np.ndarray:
    """Per complete step, the calibrated p of how many times the value changed in the last
    ``window_steps`` steps (a group flapping between the same few values; always the same
    count on a continuous series, so never news there)."""
    from scipy.stats import poisson  # only when the evidence is on

    paired, same = evidence.repeats(values)
    changed = (paired & ~same).astype(float)
    window = step_rows * config.window_steps
    counts = pd.Series(changed).rolling(window, min_periods=window).sum().to_numpy()
    per_step = counts[step_rows - 1::step_rows]
    # model: Poisson changes at the rate of the earlier windows; its own history takes over
    usual = pd.Series(per_step).expanding().mean().shift(1).to_numpy()
    prior = np.where(np.isfinite(per_step) & np.isfinite(usual),
                     poisson.sf(np.nan_to_num(per_step) - 1, np.nan_to_num(usual) + 1.0), 1.0)
    prior[:config.novelty_warmup_steps] = 1.0
    return shrunk_pvalues(per_step, prior, config.pseudo_count, refit_every=10,
                          history=config.calibration_history // step_rows,
                          censor=config.calibration_censor)


def total_rate(values: np.ndarray, timestamps, step_rows: int, config: EngineConfig
               ) -> np.ndarray | None:
    """A growing total's hourly rate of increase over the last step, on its stabilized
    scale; None for any other series (or with both uses of the rate off)."""
    wanted = config.totals_by_rate or config.rate_weight > 0
    resets = config.counter_resets
    if not wanted or not accumulating(values, config.min_history_rows, resets):
        return None
    rate = increase_rates(values, timestamps, step_rows, resets)
    return stabilizer(rate, config.min_history_rows)[1](rate)


def accumulating(values: np.ndarray, rows: int, resets: bool = False) -> bool:
    """A total that only grows between resets (a counter, a quota used, a queue's age): on
    the first ``rows`` values, almost no decrease and a growth on at least a fifth of rows.
    With ``resets``, a fall to at most half the value before is a reset, not a decrease (a
    counter zeroed by each save, rotation or restart, as Prometheus reads counters), when
    the total rose at least four times per reset."""
    first = values[:rows]
    first = first[np.isfinite(first)]
    steps = np.diff(first)
    grows = steps > 0
    kept = steps >= 0
    if resets:
        reset = is_reset(first)
        if 4 * np.sum(reset) <= np.sum(grows):  # not counts that come and go (0, 3, 0)
            kept |= reset
    return len(steps) >= 10 and np.mean(kept) >= 0.95 and np.mean(grows) >= 0.2


def is_reset(values: np.ndarray) -> np.ndarray:
    """Per step (row i to i + 1), whether the total fell to at most half of what it was."""
    before, after = values[:-1], values[1:]
    with np.errstate(invalid="ignore"):
        return (before > 0) & (after <= 0.5 * before)


def increase_rates(values: np.ndarray, timestamps, lag: int, resets: bool = False
                   ) -> np.ndarray:
    """Per row, how fast the total grew over the last ``lag`` rows (per hour); NaN where it
    fell in between or no time passed. With ``resets``, a reset (``is_reset``) counts the
    value after it as grown from zero, as Prometheus' ``increase`` does; other falls are
    still NaN (a mass deletion is not growth)."""
    rates = np.full(len(values), np.nan)
    if len(values) <= lag:
        return rates
    seconds = elapsed_seconds(timestamps)
    reset = is_reset(values) if resets else np.zeros(len(values) - 1, dtype=bool)
    fell = np.r_[False, (np.diff(values) < 0) & ~reset].astype(float)
    falls = np.cumsum(fell)
    lost = np.r_[0.0, np.cumsum(np.where(reset, values[:-1], 0.0))]  # what resets zeroed
    hours = (seconds[lag:] - seconds[:-lag]) / 3600.0
    growth = values[lag:] - values[:-lag] + lost[lag:] - lost[:-lag]
    clean = (falls[lag:] == falls[:-lag]) & (hours > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates[lag:] = np.where(clean, growth / hours, np.nan)
    return rates


def count_noise_floor(values: np.ndarray, transform: str, config: EngineConfig) -> float:
    """The least scale of the point statistics on a count: a share of the Poisson noise,
    whose spread is 1 on the Anscombe scale at every rate, so a short window of repeats
    (0, 0, 1, 0: an IQR of 0) does not make the next small count a spike. 0 for other
    series (and for a mostly-zero series that is not integers: its noise is not Poisson)."""
    first = values[:config.min_history_rows]
    first = first[np.isfinite(first)]
    if transform != "sqrt" or not np.all(first == np.round(first)):
        return 0.0
    return config.count_noise_floor


def expected_values(values: np.ndarray, difference: np.ndarray | None,
                    config: EngineConfig) -> np.ndarray:
    """What the engine expected on each row: the seasonal reference where known, else the
    median of the rows before."""
    expected = (pd.Series(values, dtype=float).rolling(config.mean_window, min_periods=3)
                .median().shift(1).to_numpy())
    if difference is not None:
        seasonal = values - difference
        expected = np.where(np.isfinite(seasonal), seasonal, expected)
    return expected


def hold_rows(config: EngineConfig, step_rows: int, spacing: float | None) -> int:
    steps = max(1, round(config.hold_seconds / (step_rows * (spacing or config.step_seconds))))
    return steps * step_rows


def score_series(values, timestamps, reference=None, config: EngineConfig = DEFAULT_CONFIG,
                 reference_scale=None) -> Detection:
    """The engine's per-row results for one series, strictly causal (row t sees rows <= t).

    ``reference_scale`` is accepted for the fleet path and currently unused: the spread of
    the residual is estimated from the series itself.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < config.min_history_rows:
        return quiet(n)
    weighted, step_rows, expected = weighted_evidence(values, timestamps, reference, config)
    (pvalues, codes), runner_up = strongest_evidence(weighted)
    direction = directions(values - expected, codes, step_rows * config.window_steps)
    if config.direction != "both":
        wanted = 1 if config.direction == "up" else -1
        pvalues = np.where((direction == wanted) | np.isin(codes, TIMELESS), pvalues, 1.0)
    pvalues[:config.min_history_rows] = 1.0
    pvalues[~np.isfinite(values)] = 1.0
    codes[pvalues >= 1.0] = CODE["none"]
    if runner_up is not None:
        runner_up[0][pvalues >= 1.0] = 1.0
    direction[pvalues >= 1.0] = 0
    spacing = spacing_seconds(timestamps, config.min_history_rows)
    hold = hold_rows(config, step_rows, spacing)
    score, alert, active = decide(pvalues, hold, step_rows, config.alert_pvalue,
                                  config.silence_pvalue, config.max_episode_holds,
                                  round(config.repeat_fraction * hold), config.escalation,
                                  codes, config.same_kind_until_recovered, runner_up)
    return Detection(score, pvalues, alert, active, direction, codes, expected)


def strongest_evidence(weighted: dict[str, np.ndarray]):
    """Per row, (p, evidence code) of the strongest evidence and of the second strongest
    (None with a single kind of evidence), p capped at 1."""
    names = list(weighted)
    stacked = np.vstack([weighted[name] for name in names])
    order = np.argsort(stacked, axis=0)
    code_of = np.array([CODE[name] for name in names], dtype=np.int8)
    ranked = [(np.minimum(1.0, np.take_along_axis(stacked, order[[rank]], axis=0)[0]),
               code_of[order[rank]]) for rank in range(min(2, len(names)))]
    return ranked[0], (ranked[1] if len(ranked) > 1 else None)


def directions(deviation: np.ndarray, codes: np.ndarray, window_rows: int) -> np.ndarray:
    """Sign of the deviation the evidence points at: of the row itself for points and
    extremes, of the mean of the window for shape and level evidence, 0 for a flat run."""
    row = np.sign(np.nan_to_num(deviation))
    recent = np.sign(np.nan_to_num(pd.Series(deviation).rolling(
        window_rows, min_periods=1).mean().to_numpy()))
    windowed = np.isin(codes, [CODE["shape"], CODE["seasonal"], CODE["level"],
                                CODE["drift"]])
    out = np.where(windowed, recent, row)
    return np.where(np.isin(codes, TIMELESS), 0, out).astype(np.int8)


def quiet(n: int) -> Detection:
    return Detection(np.zeros(n), np.ones(n), np.zeros(n, dtype=np.int8),
                     np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8),
                     np.zeros(n, dtype=np.int8), np.full(n, np.nan))


def score_new(values, timestamps, new_from: int, reference=None,
              config: EngineConfig = DEFAULT_CONFIG, reference_scale=None) -> Detection:
    """Results of rows ``new_from..`` with the rows before as history (see the API notes)."""
    return score_series(values, timestamps, reference, config, reference_scale)[new_from:]


def episodes(detection: Detection) -> list[Episode]:
    """The episodes of a scored series (rows are indexes into its input)."""
    return episodes_of(detection.score, detection.alert, detection.active,
                       detection.direction, detection.evidence, EVIDENCE)
