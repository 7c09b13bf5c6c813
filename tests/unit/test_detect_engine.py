"""The detection engine's public API: decisions, directions, evidence, incremental use."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from healer_ops.detect import engine
from healer_ops.detect.engine import calibrate, core, evidence, statistics
from healer_ops.detect.engine.decide import decide
from healer_ops.detect.engine.novelty import window_novelty

DAY = 288  # 5-minute rows


def daily_series(seed: int, days: float = 12, noise: float = 15.0, start: str = "2026-03-02"):
    rng = np.random.default_rng(seed)
    rows = int(days * DAY)
    stamps = pd.date_range(start, periods=rows, freq="5min")
    t = np.arange(rows)
    return stamps, 500 + 120 * np.sin(2 * np.pi * t / DAY) + rng.normal(0, noise, rows)


def alert_rows(detection) -> list[int]:
    return [int(i) for i in np.flatnonzero(detection.alert)]


def test_score_new_equals_the_tail_of_whole_series_scoring():
    stamps, values = daily_series(1)
    values[2500:2530] *= 1.6
    whole = engine.score_series(values, stamps)
    for new_from in (0, 1500, 2499, 3000):
        tail = engine.score_new(values, stamps, new_from)
        assert len(tail) == len(values) - new_from
        for name in ("score", "pvalue", "alert", "active", "direction", "evidence"):
            np.testing.assert_array_equal(getattr(tail, name), getattr(whole, name)[new_from:])


def test_a_lasting_level_shift_is_one_alert_then_a_new_normal_not_blindness():
    # from a Wednesday: the shift is on a Monday. A shift during a series' first weekend is
    # seen once more, on its second day, where the weekend reference starts (a weekend
    # is compared only with weekend days)
    stamps, values = daily_series(2, days=14, start="2026-03-04")
    shift_at = 5 * DAY + 100
    values[shift_at:] += 200  # a lasting step up, ~13 noise sd
    spike_at = 11 * DAY + 50
    values[spike_at] += 400  # later, on the new level, a spike
    detection = engine.score_series(values, stamps)
    alerts = alert_rows(detection)
    two_days = [a for a in alerts if shift_at <= a < shift_at + 2 * DAY]
    assert len(two_days) == 1 and two_days[0] <= shift_at + 12, alerts
    # at most one more: on the third day the median of the last five days at that clock
    # time flips to the new level (seasonal_detrend=True removes it, at a cost on NAB)
    assert len([a for a in alerts if shift_at <= a < spike_at]) <= 2, alerts
    around_shift = two_days
    detrended = engine.score_series(values, stamps, config=replace(
        engine.DEFAULT_CONFIG, seasonal_detrend=True))
    assert [a for a in alert_rows(detrended) if shift_at <= a < spike_at] == two_days
    assert detection.direction[around_shift[0]] == 1
    assert spike_at in alerts  # the new level is normal: the engine is not blind after it
    episodes = engine.episodes(detection)
    first = next(e for e in episodes if e.start == around_shift[0])
    assert first.direction == 1 and first.end > first.start


def test_a_drop_points_down_and_direction_up_ignores_it():
    stamps, values = daily_series(3)
    drop_at = 8 * DAY
    noise = np.random.default_rng(30).normal(0, 1, 36)
    values[drop_at:drop_at + 36] = 5.0 + noise  # falls to almost nothing for 3 hours
    both = engine.score_series(values, stamps)
    hits = [a for a in alert_rows(both) if drop_at <= a <= drop_at + 12]
    assert hits and both.direction[hits[0]] == -1
    assert both.expected[hits[0]] > 200  # what was expected instead
    up_only = engine.score_series(values, stamps,
                                  config=replace(engine.DEFAULT_CONFIG, direction="up"))
    assert not any(drop_at <= a < drop_at + 36 for a in alert_rows(up_only))
    assert (up_only.direction[up_only.alert == 1] >= 0).all()


def test_a_stuck_sensor_alerts_as_flat_but_a_sparse_count_sitting_at_zero_does_not():
    stamps, values = daily_series(4)
    stuck_at = 7 * DAY + 30
    values[stuck_at:stuck_at + 60] = values[stuck_at - 1]
    detection = engine.score_series(values, stamps)
    hits = [a for a in alert_rows(detection) if stuck_at <= a <= stuck_at + 60]
    assert hits
    assert engine.EVIDENCE[detection.evidence[hits[0]]] == "flat"
    assert detection.direction[hits[0]] == 0
    rng = np.random.default_rng(5)
    counts = rng.poisson(0.3, len(values)).astype(float)  # mostly runs of zeros
    quiet = engine.score_series(counts, stamps)
    assert not any(engine.EVIDENCE[quiet.evidence[a]] == "flat" for a in alert_rows(quiet))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_count_stuck_at_zero_for_days_is_not_paged_again_every_episode(seed):
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-03-04", periods=14 * DAY, freq="5min")
    rate = 0.3 + 4 * np.clip(np.sin(2 * np.pi * np.arange(len(stamps)) / DAY), 0, None)
    values = rng.poisson(rate).astype(float)  # zeros every night: 0 is a routine value
    stuck_at = 7 * DAY + 100
    values[stuck_at:] = 0  # a collector reporting zeros for the last 7 days (ten episodes)

    def detections(config):
        detection = engine.score_series(values, stamps, config=config)
        rows = np.flatnonzero(detection.score[stuck_at:] >= 0.3) + stuck_at
        return [engine.EVIDENCE[detection.evidence[row]] for row in rows]

    found = detections(engine.DEFAULT_CONFIG)
    assert "flat" in found and len(found) == len(set(found))  # each kind of evidence once
    reopening = detections(replace(engine.DEFAULT_CONFIG, same_kind_until_recovered=False))
    assert reopening.count("flat") > 2  # the engine before: a new detection every episode


def test_change_evidence_sees_a_group_flapping_and_never_a_continuous_series():
    stamps, _ = daily_series(1)
    rng = np.random.default_rng(6)
    nodes = np.repeat(rng.choice([3.0, 4.0], size=len(stamps) // 36 + 1, p=[0.8, 0.2]), 36)
    nodes = nodes[:len(stamps)]  # a step every three hours, now and then
    flapping_at = 8 * DAY
    nodes[flapping_at:flapping_at + 48] = np.tile([3.0, 4.0], 24)  # flapping for 4 hours
    config = replace(engine.DEFAULT_CONFIG, change_weight=0.03)
    detection = engine.score_series(nodes, stamps, config=config)
    kinds = [engine.EVIDENCE[detection.evidence[a]] for a in alert_rows(detection)
             if flapping_at <= a <= flapping_at + 48]
    assert "changes" in kinds
    _, values = daily_series(2)
    steps = core.rows_per_step(300.0, config)
    assert core.change_pvalues(values, steps, config).min() > 0.01  # every row changes


def egress_rate(seed: int, days: int = 12):
    """GB served per 5 minutes: a daily cycle of traffic with skewed noise."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-03-02", periods=days * DAY, freq="5min")
    t = np.arange(days * DAY)
    return stamps, 2 + 1.5 * np.sin(2 * np.pi * t / DAY) + rng.gamma(2, 0.25, days * DAY)


def test_a_growing_total_is_judged_by_its_rate_not_paged_for_growing():
    """A usage counter is new every hour: read as a level it drifts and breaks its season
    (engine9 paged every seed below within its first 8 days); read by its rate it is quiet, and
    a bot downloading day and night is seen within the hour it starts."""
    engine9 = replace(engine.DEFAULT_CONFIG, totals_by_rate=False, rate_weight=0.0)
    for seed in (2, 3, 4):
        stamps, rate = egress_rate(seed)
        used = np.round(np.cumsum(rate), 1)
        assert core.accumulating(used, 100)
        assert not alert_rows(engine.score_series(used, stamps))
        assert min(alert_rows(engine.score_series(used, stamps, config=engine9))) < 8 * DAY
        scraper = 9 * DAY + 100
        rate[scraper:scraper + DAY] += 6
        first = alert_rows(engine.score_series(np.round(np.cumsum(rate), 1), stamps))[0]
        assert scraper <= first <= scraper + 12
    _, values = daily_series(2)
    assert not core.accumulating(values, 100)
    reset = np.cumsum(rate)
    reset[6 * DAY:] -= reset[6 * DAY - 1]  # a new billing period
    rates = core.increase_rates(reset, stamps, 12)
    assert np.isnan(rates[6 * DAY:6 * DAY + 12]).all() and np.isfinite(rates[12:6 * DAY]).all()


def test_a_counter_zeroed_by_each_save_is_read_by_its_rate_across_the_resets():
    """Redis' changes since the last save, a log's size since its rotation: the total falls to
    zero at every save and grows again. Read as Prometheus reads a counter, the growth after
    a reset counts from zero, so the hourly rate is known on every row, not broken hourly; a
    fall that is not a reset (to more than half) still breaks it, and counts that come and
    go (zero, 3, zero) are not a counter."""
    rng = np.random.default_rng(11)
    rows = 2000
    stamps = pd.date_range("2026-03-02", periods=rows, freq="5min")
    changes = rng.poisson(20.0, rows).astype(float)
    total = np.cumsum(changes)
    saved = np.maximum.accumulate(np.where(np.arange(rows) % 10 == 0,
                                           np.r_[0.0, total[:-1]], 0.0))
    since_save = total - saved
    assert core.accumulating(since_save, 100, resets=True)
    assert not core.accumulating(since_save, 100)
    rates = core.increase_rates(since_save, stamps, 12, resets=True)
    expected = (total[12:] - total[:-12])  # changes in the last hour
    assert np.allclose(rates[12:], expected)
    assert np.isnan(core.increase_rates(since_save, stamps, 12)[12:]).mean() > 0.9
    deleted = since_save.copy()
    deleted[505] = deleted[504] * 0.8  # not a reset: a fall to more than half
    broken = core.increase_rates(deleted, stamps, 12, resets=True)
    assert np.isnan(broken[505:517]).all() and np.isfinite(broken[517:600]).all()
    sparse = np.where(rng.random(rows) < 0.3, rng.poisson(3.0, rows), 0).astype(float)
    assert not core.accumulating(sparse, 100, resets=True)


def orders(seed: int, days: int = 14, stopped: tuple[float, float] | None = None,
           bursty: bool = False):
    """A shop's orders, a row each at the second it was placed (busy afternoons, quiet
    nights), the order's total as the value; none between the ``stopped`` hours (since the
    start) when given. ``bursty``: the rate itself wanders (busier or quieter every four
    hours, a gamma multiplier of mean 1), as a real shop's does."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    busy = np.repeat(rng.gamma(4.0, 0.25, days * 6), 4) if bursty else 1.0
    per_hour = (6 + 5 * np.sin(2 * np.pi * (hours % 24 - 9) / 24)) * busy
    placed = np.concatenate([hour + np.sort(rng.random(rng.poisson(rate)))
                             for hour, rate in zip(hours, per_hour, strict=True)])
    if stopped:
        placed = placed[(placed < stopped[0]) | (placed >= stopped[1])]
    stamps = pd.Timestamp("2026-03-02") + pd.to_timedelta(np.round(placed * 3600), unit="s")
    return pd.DatetimeIndex(stamps), np.round(rng.gamma(2.0, 40.0, len(placed)), 2)


def test_orders_that_stop_coming_for_hours_alert_on_the_first_order_after_the_silence():
    """On rows stamped at each event, the wait before a row is evidence of its own: a
    checkout broken for five hours of an afternoon shows as no rows, whatever the totals."""
    afternoon = (10 * 24 + 13, 10 * 24 + 18)  # day 10, 13:00 to 18:00
    stamps, values = orders(4, stopped=afternoon)
    assert core.event_stamped(stamps, 100)
    detection = engine.score_series(values, stamps)
    back = int(np.searchsorted(stamps, pd.Timestamp("2026-03-12 18:00")))
    assert detection.alert[back] and engine.EVIDENCE[detection.evidence[back]] == "silence"
    clean_stamps, clean_values = orders(4)
    clean = engine.score_series(clean_values, clean_stamps)
    assert "silence" not in {engine.EVIDENCE[code] for code in clean.evidence[clean.alert > 0]}
    without = engine.score_series(values, stamps, config=replace(engine.DEFAULT_CONFIG,
                                                                 silence_weight=0.0))
    assert not without.alert[back - 5:back + 5].any()


@pytest.mark.parametrize("seed", [1, 4, 7])
def test_a_quiet_spell_of_bursty_orders_is_not_paged_as_a_silence(seed):
    """Arrivals burstier than Poisson wait longer now and then: the silence's gamma shape
    (config.silence_shape) keeps those waits routine, where a Poisson model pages them."""
    stamps, values = orders(seed, days=21, bursty=True)

    def silences(shape: float) -> int:
        config = replace(engine.DEFAULT_CONFIG, silence_shape=shape)
        detection = engine.score_series(values, stamps, config=config)
        return sum(engine.EVIDENCE[code] == "silence"
                   for code in detection.evidence[detection.alert > 0])

    assert silences(engine.DEFAULT_CONFIG.silence_shape) == 0
    assert silences(float("inf")) > 0


def test_a_clock_that_jitters_or_loses_samples_is_not_stamped_at_each_event():
    rng = np.random.default_rng(5)
    clock = pd.date_range("2026-03-02", periods=300, freq="5min")
    jittered = clock + pd.to_timedelta(rng.integers(-20, 20, 300), unit="s")
    lossy = clock[np.sort(rng.choice(300, 200, replace=False))]  # a third of samples lost
    assert not core.event_stamped(jittered, 100)
    assert not core.event_stamped(lossy, 100)
    assert core.event_stamped(orders(5)[0], 100)


def test_a_value_far_beyond_anything_seen_is_an_extreme_from_the_second_day():
    rng = np.random.default_rng(6)
    stamps = pd.date_range("2026-01-01", periods=4000, freq="5min")
    values = rng.gamma(2.0, 10.0, 4000)  # skewed, with its own large values
    values[3000] = values[:3000].max() * 3
    detection = engine.score_series(values, stamps)
    assert 3000 in alert_rows(detection)
    assert engine.EVIDENCE[detection.evidence[3000]] in ("extreme", "spike")
    assert detection.direction[3000] == 1


def test_missing_values_score_zero_and_never_alert():
    stamps, values = daily_series(7)
    values[2000:2010] = np.nan
    values[2005] = np.nan
    detection = engine.score_series(values, stamps)
    assert (detection.score[2000:2010] == 0).all() and not detection.alert[2000:2010].any()
    assert (detection.pvalue[2000:2010] == 1).all()


def test_a_reference_from_the_caller_replaces_the_day_over_day_reference():
    stamps, values = daily_series(8, days=3)  # too young for a day-over-day median of days
    t = np.arange(len(values))
    expected = 500 + 120 * np.sin(2 * np.pi * t / DAY)
    values[600:640] = expected[600:640] - 110  # the afternoon peak does not come
    with_reference = engine.score_series(values, stamps, reference=expected)
    assert any(600 <= a <= 640 for a in alert_rows(with_reference))
    assert (np.abs(with_reference.expected[300:] - expected[300:]) < 1e-9).all()


def test_short_series_and_bad_direction_are_harmless():
    stamps, values = daily_series(9, days=0.2)
    detection = engine.score_series(values[:50], stamps[:50])
    assert len(detection) == 50 and not detection.alert.any()
    assert engine.episodes(detection) == []


def test_shrunk_pvalues_follow_the_model_early_and_the_series_later():
    rng = np.random.default_rng(10)
    stat = rng.standard_t(3, 6000)
    prior = np.full(6000, 1e-6)  # a model that calls everything extreme
    p = calibrate.shrunk_pvalues(stat, prior, pseudo_count=30)
    assert p[0] == pytest.approx(1e-6)  # no history: the model speaks
    late = p[3000:]
    assert 0.005 < (late < 0.01).mean() < 0.03  # history speaks: close to uniform


def _with_bursts(rows: int, starts, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    stat = np.random.default_rng(seed).standard_normal(rows)
    for start in starts:
        stat[start:start + 20] = 12.0
    return stat, np.minimum(1.0, np.exp(-2.0 * np.maximum(stat, 0.0)))


def test_censored_calibration_keeps_a_second_burst_as_surprising_as_the_first():
    stat, prior = _with_bursts(6000, (3000, 4500))
    plain = calibrate.shrunk_pvalues(stat, prior, pseudo_count=30)
    censored = calibrate.shrunk_pvalues(stat, prior, pseudo_count=30, censor=1e-5)
    assert plain[3000:3020].max() < 1e-5 and censored[3000:3020].max() < 1e-5
    assert plain[4500:4520].min() > 1e-4  # the first burst taught the series
    assert censored[4500:4520].max() < 1e-5  # an anomaly is not the series' routine
    tail_plain = calibrate.tail_pvalues(stat)
    tail_censored = calibrate.tail_pvalues(stat, censor=1e-5)
    assert tail_censored[4500:4520].max() < tail_plain[4500:4520].min()


def test_censored_calibration_still_learns_bursts_that_are_routine():
    stat, prior = _with_bursts(6000, range(1000, 6000, 200))  # 10% of the rows
    censored = calibrate.shrunk_pvalues(stat, prior, pseudo_count=30, censor=1e-5)
    assert censored[5000:5020].min() > 1e-3


def test_flat_evidence_ignores_a_series_that_never_changed():
    values = np.full(500, 3.0)
    assert (evidence.flat(values, 30, 8640) == 1).all()
    values[:20] = np.arange(20.0)  # twenty changes, then stuck at 3.0 for 480 rows
    assert evidence.flat(values, 30, 8640)[-1] < 1e-6


def test_the_scale_is_chosen_by_the_kind_of_data_from_the_first_rows_only():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.4, 500).astype(float)
    latency = 120 * rng.lognormal(0, 0.8, 500)
    temperature = 20 + rng.normal(0, 1, 500)
    assert statistics.stabilizer(counts, 100)[0] == "sqrt"
    assert statistics.stabilizer(latency, 100)[0] == "log"
    assert statistics.stabilizer(temperature, 100)[0] == "none"
    assert statistics.stabilizer(temperature - 25, 100)[0] == "none"  # negative values
    # an error share in percent, mostly zero with rare bursts: a count in disguise
    error_share = np.where(rng.random(500) < 0.2, rng.gamma(1.0, 3.0, 500), 0.0).round(3)
    assert statistics.stabilizer(error_share, 100)[0] == "sqrt"
    assert statistics.stabilizer(np.zeros(500), 100)[0] == "sqrt"  # zeros so far
    assert statistics.stabilizer(np.full(500, 7.0), 100)[0] == "none"  # constant, not zero
    later = latency.copy()
    later[100:] = -5.0  # what comes after the first rows never changes the choice
    name, transform = statistics.stabilizer(later, 100)
    assert name == "log"
    assert np.all(np.diff(transform(np.array([0.0, 1.0, 10.0, 1000.0]))) > 0)  # monotone


def test_a_doubled_error_rate_on_sparse_counts_alerts_on_the_count_scale():
    rng = np.random.default_rng(5)
    rows = 6 * DAY
    stamps = pd.date_range("2026-03-02", periods=rows, freq="5min")
    rate = np.full(rows, 0.5)
    rate[5 * DAY:5 * DAY + 36] = 4.0  # three hours of eight times the errors
    values = rng.poisson(rate).astype(float)
    stable = engine.score_series(values, stamps)
    window = slice(5 * DAY, 5 * DAY + 36)
    # the burst is evidence enough to alert (the decision may still be held by an earlier
    # alert), and the quiet days alert rarely: a count of 3 at rate 0.5 is not news
    assert stable.pvalue[window].min() <= engine.DEFAULT_CONFIG.alert_pvalue
    assert len([row for row in alert_rows(stable) if row < 5 * DAY]) <= 2


def test_a_weak_detection_does_not_hide_a_much_worse_problem_of_another_kind():
    pvalues = np.ones(400)
    kinds = np.zeros(400, dtype=int)
    pvalues[100], kinds[100] = 0.01, engine.EVIDENCE.index("spike")  # opens, does not alert
    pvalues[150], kinds[150] = 1e-6, engine.EVIDENCE.index("flat")  # much worse, another kind
    pvalues[160], kinds[160] = 1e-9, engine.EVIDENCE.index("flat")  # the same problem growing
    pvalues[300], kinds[300] = 0.01, engine.EVIDENCE.index("level")  # after the silence
    hold = 100
    score, alert, _ = decide(pvalues, hold, 1, 0.002, 0.03, 1.0, hold, escalation=-2.0,
                             kinds=kinds)
    assert list(np.flatnonzero(score)) == [100, 150, 300]
    assert list(np.flatnonzero(alert)) == [150]
    same_kind = kinds.copy()
    same_kind[150:161] = engine.EVIDENCE.index("spike")
    score, _, _ = decide(pvalues, hold, 1, 0.002, 0.03, 1.0, hold, escalation=-2.0,
                         kinds=same_kind)
    assert list(np.flatnonzero(score)) == [100, 300]
    score, _, _ = decide(pvalues, hold, 1, 0.002, 0.03, 1.0, hold, kinds=kinds)
    assert list(np.flatnonzero(score)) == [100, 300]  # no escalation: hidden


@pytest.mark.parametrize("episode_holds", [1.0, 2.0])
def test_another_kind_escalates_where_the_open_kind_is_stronger_still(episode_holds):
    """A quiet weekday: a weak seasonal detection opens; hours later the seasonal evidence
    is overwhelming and the drift evidence, second on that row, is much worse than the
    opening: it pages, although the row's strongest evidence is the opening's kind."""
    seasonal, drift = engine.EVIDENCE.index("seasonal"), engine.EVIDENCE.index("drift")
    pvalues, kinds = np.ones(400), np.full(400, seasonal)
    second_p, second_kind = np.ones(400), np.full(400, drift)
    pvalues[100] = 0.026  # opens, does not alert
    pvalues[147], second_p[147] = 3.5e-11, 2.5e-7
    hold = 100
    args = (pvalues, hold, 1, 0.002, 0.03, episode_holds, hold)
    score, alert, _ = decide(*args, escalation=-2.0, kinds=kinds,
                             runner_up=(second_p, second_kind))
    assert list(np.flatnonzero(score)) == [100, 147] and list(np.flatnonzero(alert)) == [147]
    score, _, _ = decide(*args, escalation=-2.0, kinds=kinds)
    assert list(np.flatnonzero(score)) == [100]  # judged by its strongest kind: hidden
    second_p[147] = 1e-3  # the other kind is not much worse than the opening
    score, _, _ = decide(*args, escalation=-2.0, kinds=kinds,
                         runner_up=(second_p, second_kind))
    assert list(np.flatnonzero(score)) == [100]


def test_score_to_pvalue_reads_back_the_p_of_a_score():
    pvalues = np.array([1.0, 0.3, 0.02, 0.002, 1e-6, 1e-12])
    for alert_pvalue in (0.02, 0.002):
        scores = calibrate.pvalue_to_score(pvalues, alert_pvalue)
        back = calibrate.score_to_pvalue(scores, alert_pvalue)
        assert np.allclose(back, pvalues, rtol=1e-6, atol=0)


def test_a_count_after_a_run_of_zeros_is_judged_against_poisson_noise_not_a_zero_iqr():
    rng = np.random.default_rng(5)
    counts = rng.poisson(0.3, 2000).astype(float)
    config = engine.DEFAULT_CONFIG
    name, transform = statistics.stabilizer(counts, config.min_history_rows)
    floor = core.count_noise_floor(counts, name, config)
    assert name == "sqrt" and floor == config.count_noise_floor > 0
    run = np.r_[np.zeros(16), 1.0]  # a one after 16 zeros: an IQR of 0 in the window
    z = statistics.robust_zscore(transform(run), 16, np.maximum(floor, 1e-9))[-1]
    assert 0 < z <= (transform(1.0) - transform(0.0)) / floor + 1e-9
    assert statistics.robust_zscore(transform(run), 16, 1e-9)[-1] > 1e6  # without it
    error_share = np.where(rng.random(2000) < 0.2, rng.gamma(1.0, 3.0, 2000), 0.0).round(3)
    assert core.count_noise_floor(error_share, "sqrt", config) == 0.0  # not Poisson noise
    assert core.count_noise_floor(counts, "log", config) == 0.0


def test_cusum_adds_up_a_lasting_lean_and_forgets_a_passing_one():
    from healer_ops.detect.engine.drift import cusum

    lean = cusum(np.r_[np.zeros(5), np.full(10, 2.0), np.zeros(20)], slack=1.5)
    assert lean[4] == 0 and lean[14] == pytest.approx(5.0)  # ten steps of 2 - 1.5
    assert lean[-1] == 0  # back to nothing once the hours stop leaning
    assert cusum(np.r_[np.full(10, -2.0)], slack=1.5)[-1] == pytest.approx(5.0)  # downwards
    assert np.nanmax(cusum(np.r_[0.0, 3.0, -3.0, 3.0, -3.0], slack=1.5)) == 1.5  # no run
    assert np.isnan(cusum(np.r_[1.0, np.nan], slack=0.5)[1])


def test_a_small_lasting_shift_is_seen_as_drift_above_what_a_clean_series_scores():
    off = replace(engine.DEFAULT_CONFIG, drift_weight=0.0)
    drift = engine.EVIDENCE.index("drift")
    shift_at, above_clean = 10 * DAY + 30, 0
    for seed in range(1, 7):
        stamps, clean = daily_series(seed, days=16)
        shifted = clean.copy()
        shifted[shift_at:] += 12  # 0.8 noise sd: never extreme at any one row
        eight_hours = slice(shift_at, shift_at + 96)
        with_drift = engine.score_series(shifted, stamps)
        without = engine.score_series(shifted, stamps, config=off)
        best = shift_at + int(np.argmax(with_drift.score[eight_hours]))
        assert with_drift.evidence[best] == drift, seed
        assert with_drift.score[best] > without.score[eight_hours].max(), seed
        quiet = engine.score_series(clean, stamps)
        clean_drift = quiet.score[quiet.evidence == drift].max(initial=0.0)
        assert clean_drift < engine.ALERT_SCORE, seed  # wandering noise never pages
        above_clean += with_drift.score[best] > clean_drift
    assert above_clean >= 5


def test_the_day_over_day_reference_compares_weekdays_with_weekdays_and_weekends_with_weekends():
    values = np.arange(20.0)
    weekend = np.tile([0, 0, 0, 0, 0, 1, 1], 3)[:20]
    typed = statistics.seasonal_difference(values, 1, 2, kinds=weekend, lookback=7)
    assert typed[12] == 12 - np.median([6, 5])  # a weekend row: the last two weekend rows
    assert typed[14] == 14 - np.median([11, 10])  # a weekday: skips rows 13 and 12
    assert np.isnan(typed[5])  # the first weekend has no weekend before it


def weekly_series(seed: int, weeks: int = 4):
    """Office hours on weekdays, almost nothing at weekends (admin-side traffic)."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-03-02", periods=weeks * 7 * DAY, freq="5min")  # a Monday
    hours = stamps.hour.to_numpy() + stamps.minute.to_numpy() / 60
    office = np.clip(np.sin(np.pi * (hours - 8) / 10), 0, None)
    weekday = stamps.dayofweek.to_numpy() < 5
    return stamps, rng.poisson(2 + 60 * office * weekday).astype(float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_weekday_as_quiet_as_a_weekend_alerts_and_the_weekends_do_not(seed):
    stamps, values = weekly_series(seed)
    outage = np.flatnonzero((stamps >= "2026-03-25 08:00") & (stamps < "2026-03-26 00:00"))
    values[outage] = np.random.default_rng(seed).poisson(2, len(outage))
    detection = engine.score_series(values, stamps)
    weekends = np.flatnonzero((stamps.dayofweek >= 5) & (stamps >= "2026-03-14"))
    assert detection.alert[outage[0]:outage[0] + 4 * 12].any()  # by noon
    assert not detection.alert[weekends].any()


def test_a_value_too_large_to_square_alerts_and_leaves_the_shape_evidence_working_after():
    rng = np.random.default_rng(3)
    values = 10 + rng.normal(0, 1, 24 * 60)
    values[600] = 1e300
    novelty_after = window_novelty(values, 12, 6, 12, 1000)[60:]
    assert np.isfinite(novelty_after).all()  # not blinded by the overflow
    with warnings.catch_warnings():  # no warning reaches the caller either
        warnings.simplefilter("error", RuntimeWarning)
        detection = core.score_series(values, pd.date_range("2026-03-02", periods=len(values),
                                                            freq="5min"))
    assert detection.alert[600] > 0
