"""The engine's parameters: a few for callers, the rest chosen once by held-out validation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineConfig:
    """Parameters in rows, steps (about an hour of rows), seconds and p-values.

    For callers: ``direction``, ``alert_pvalue``, ``min_history_rows``, ``hold_seconds``,
    ``context_rows``. The others are the engine's internals, chosen for the kind of data
    (metrics sampled every minute to every hour) by leave-one-category-out validation, never
    per series.
    """

    direction: str = "both"  # "both" | "up" | "down": which deviations count
    alert_pvalue: float = 0.002  # combined p at which a row alerts (score 0.5): chosen by
    # leave-one-category-out for the operator (validate.alert_pvalue_loco: F0.5 of window
    # precision and recall, precision 0.8 being out of reach)
    silence_pvalue: float = 0.03  # ... and at which it opens a detection (thinning)
    max_episode_holds: float = 2.0  # an episode open this many holds: its level is normal
    # ... but the same evidence that never recovered is the same problem going on (a frozen
    # metric: one detection, not one per episode); another kind of evidence opens a new one.
    # Plain leave-one-category-out (engine7): mean 56.0 vs 55.9, synthObjectCache 19.8 vs
    # 16.3 (variants.py "reopen-after-episode" is the engine before)
    same_kind_until_recovered: bool = True
    min_history_rows: int = 100  # rows whose timestamps fix the spacing; no score before
    hold_seconds: float = 8 * 3600.0  # one detection per problem within this data time
    # (8 h, with episodes of up to two holds: plain leave-one-category-out over the tuning
    # categories 57.1 vs 55.1 for 17 h, the nested selection's choice; variants.py)
    repeat_fraction: float = 1.0  # a score must beat this share of a hold before it
    escalation: float = -2.0  # p <= (p of the open detection) ** |this| scores anyway;
    # negative: only while that detection did not alert (decide.escalates). 3.0 (also after
    # an alert; variants.py "escalate-3", the nested selection's choice at engine8)
    # scores 55.2 vs 55.0 by plain leave-one-category-out with flat_weight 0.003, but pages
    # a lasting shift twice (a second kind of evidence 9 rows after the first alert)
    context_rows: int = 4032  # history score_new needs (14 days of 5-minute rows)
    stabilize: bool = True  # statistics on sqrt (small counts) / log (right-skewed) scale
    # steps: about an hour of rows (at least one row, at most max_rows_per_step)
    step_seconds: float = 3600.0
    max_rows_per_step: int = 12
    # window novelty (nearest earlier window of the step summaries)
    window_steps: int = 6
    exclude_steps: int = 12  # a shape seen 12 hours before is not news (engine8; was 24)
    library_steps: int = 1000
    novelty_warmup_steps: int = 30
    # day-over-day reference: median of the same clock time on the last days
    reference_seasons: int = 5
    # ... of the same kind of day (weekdays vs weekdays, weekends vs weekends, by the
    # timestamps' calendar; none for the first weekend). Plain leave-one-category-out over
    # the tuning categories (engine7): mean 55.9 vs 54.9 with every day, 55.5 when the
    # first weekend falls back to every day (variants.py "every-day-reference")
    weekend_reference: bool = True
    seasonal_detrend: bool = False  # seasonal points: each day's shape around its own level
    # point statistics (a small share of the false-alarm budget: extreme points only)
    point_windows: tuple[int, ...] = (16, 64, 288)
    seasonal_window: int = 288
    mean_rows: int = 12
    mean_window: int = 576
    point_warmup_rows: int = 200
    scale_floor_fraction: float = 0.05
    count_noise_floor: float = 0.5  # counts: scales of at least this share of Poisson noise
    # engine11: 0.003 (was 0.001; variants.py "engine10"), the nested selection's
    # choice in 37 of 46 folds with r11 as the exam and, with escalate-3, in 50 of 50 with
    # r12. Plain leave-one-category-out, r12 among the tuning families: 53.1 vs 52.6
    # (realKnownCause 73.2 vs 73.5, artificialWithAnomaly 81.8 vs 80.9); with escalation 3
    # as well 53.5, but realKnownCause's alert column then alerts 10 of 19 windows, not 14.
    # The fleet keeps 0.001 (detect.fleet.rules: its thresholds were chosen with it)
    point_weight: float = 0.003
    tail_quantile: float = 0.98
    # new extremes (evidence.record) and frozen values (evidence.flat), their shares
    extreme_weight: float = 0.1
    extreme_margin: float = 0.1  # the model p falls by e per this share of the range
    extreme_window: int = 8640  # rows whose highest and lowest count (30 days at 5 min)
    extreme_after_seconds: float = 86400.0  # ... once the series has a day of history
    # how often the value changed in the last hours (a group flapping between the same few
    # values): off until a nested selection chooses it (variants.py "changes-003").
    # Plain leave-one-category-out, r10 among the tuning families: 53.5 vs 53.3 at 0.03,
    # web nodes 30.5 vs 18.6 (the family it was written after), realKnownCause 72.9 vs 73.5
    change_weight: float = 0.0
    # a total that only grows between resets (a counter, a quota used; core.accumulating):
    # its windows (shape, seasonal, drift) are judged on its hourly rate of increase, which
    # repeats day by day, not on the total, which is new every hour; its rows stay judged on
    # the total (a mass deletion is a drop). Plus the level of that rate as evidence of its
    # own (its share of the false-alarm budget). engine10, plain leave-one-category-out over
    # the tuning categories (r10 among them): 53.6 vs 53.3 (CDN egress +11.7, the family it
    # was written after; cart sessions +4.8, inodes +0.7, disk -3.3, opcache -0.9; the real
    # categories unchanged); the rate alone 53.5 (0.1 or 0.3), the windows alone 53.5.
    # Rejected: the total replaced by its rate everywhere (52.9: inodes -17.8), the novelty
    # of the rate's windows as the rate's evidence (53.4). A clean usage counter is no longer
    # paged on its eighth day (test_detect_engine). variants.py "engine9"
    totals_by_rate: bool = True
    rate_weight: float = 0.1
    # engine12: a fall to at most half the value is a counter's reset (a save, a rotation, a
    # restart), not a decrease, when the total rose at least four times per reset: a total
    # zeroed often is read by its rate too, the growth after a reset counted from zero as
    # Prometheus reads counters (core.accumulating, core.increase_rates). Written after r15's
    # Redis changes since the last save (read on its raw sawtooth before). With r16 among the
    # tuning families it changes 7 categories only (the others are not such totals), at the
    # threshold 0.324: Redis changes since the last save 40.8 vs 36.8, disk 56.8 vs 54.0,
    # opcache +0.3, pending updates +0.2, mail queue +0.1, cart sessions -0.5, comments
    # awaiting moderation -0.9; the real categories have no such total. Plain leave-one-
    # category-out, r16 among the tuning families: mean 52.2 vs 52.1 (6 categories up, 2
    # down; realKnownCause 72.9 and realTweets 75.4 both times).
    # variants.py "engine11" is the engine before
    counter_resets: bool = True
    # engine13: on rows stamped at each event (core.event_stamped), a wait that should have
    # held many events at the rate of those hours on the last days (evidence.silence).
    # Written after r16's webhook deliveries (a queue stalled for hours, then flushed). Only
    # event-stamped files can change (17 of 1,138 tuning files, in two categories; no real
    # category, no fleet probe). Plain leave-one-category-out, r16 among the tuning
    # families: mean 52.3 vs 52.2, webhook delivery times 42.7 vs 35.8, payment-gateway
    # calls 66.8 vs 67.6. Rejected on those two: the wait against the last 20 waits (46.5 /
    # 65.9 at 0.03, but a shop's afternoon without orders never alerted: the nights teach
    # long waits), the same against the waits of that hour on the last days (40.7 / 66.2),
    # the rows in the last hour as a level (43.0 / 67.0). variants.py "engine12"
    silence_weight: float = 0.03
    # engine14: arrivals burstier than Poisson (evidence.silence's gamma shape; inf is
    # Poisson, "engine13"). Written after r18's order totals, where silences were half of
    # the false detections (42 of 84 outside windows at the threshold 0.324). Only the four
    # event-stamped tuning categories change; at 0.324, shape 2 / 3 / 5 / 10 vs Poisson:
    # order totals 52.6 / 50.6 / 47.9 / 45.6 vs 44.4, webhook deliveries 42.0 / 41.5 /
    # 43.8 / 43.5 vs 42.7, gateway calls 70.3 / 70.3 / 70.1 / 69.9 vs 69.5, backup durations
    # 70.7 / 73.2 / 72.8 / 71.9 vs 70.5. 5 is the one shape that lowers none of them (2 and
    # 3 have the best mean, 58.9 vs 58.65; the shape chosen on three and scored on the
    # fourth: 57.6 vs Poisson's 56.8)
    silence_shape: float = 5.0
    flat_weight: float = 0.003  # engine9 (was 0.01): plain leave-one-category-out over the
    # tuning categories 0 / 0.001 / 0.003 / 0.005 / 0.01 gave 52.5 / 55.0 / 55.0 / 54.8 /
    # 54.7; on r9 a routine run at the series' floor (a drained queue's lag, a slow log at
    # 0) was the largest share of false detections. Judging a run by the last hours'
    # repeat rate instead of the series' lifetime one: 54.4 (realKnownCause 66.6 vs 72.9)
    # small lasting changes (drift: a two-sided CUSUM of the hourly means, in robust sigmas
    # of the last week's, at least drift_floor_fraction of the spread of all earlier hours):
    # its share; 0 = off. Plain leave-one-category-out over the tuning categories: mean 58.3
    # vs 56.1 without (variants.py "no-drift"); floors 0.05 / 0.2 / 0.75 / 1.0 gave
    # 57.0 / 56.9 / 58.3 / 57.8, weights 0.03 and 0.3 (floor 0.2) 57.1 and 55.9. Kept for
    # the real categories (with r7 among the tuning families 74.5 / 76.1 / 73.9 vs 71.1 /
    # 74.5 / 67.8 without); on the eight blind families of r6 and r7 it was 1.3 lower on
    # average (-5 to +1.5 per family), no gain where it was not tuned. Slack 2.0 (engine7),
    # with r7 among the tuning families: mean 54.9 vs 54.1 for 1.5 and 54.5 for 2.5
    drift_weight: float = 0.1
    drift_reference_steps: int = 168
    drift_slack: float = 2.0
    drift_cap: float = 3.0
    drift_floor_fraction: float = 0.5
    flat_loosen_only: bool = False  # the series' history may only loosen the run model
    pseudo_count: float = 60.0  # weight of their model p-value, in rows of history
    # engine8 (plain leave-one-category-out over the tuning categories, r8 among them):
    # pseudo count 15 / 30 / 60 / 120 gave means 55.0 / 55.6 / 55.9 / 56.0; with exclude 12
    # 56.2 (artificialWithAnomaly 80.9 vs 79.0, realKnownCause 72.9 vs 73.4, realTweets
    # 75.9 vs 76.0; variants.py "engine7" is the engine before)
    calibration_history: int = 8640
    # a statistic's value with p below this teaches its later rows nothing (calibrate:
    # the second spam wave as surprising as the first); 0 = off until a nested selection
    # chooses it (variants.py "censor-1e-5"). Written after r22's sign-ups, where a file's
    # later spam waves scored 0.11 to 0.40 after a first one at 0.80 to 0.95
    calibration_censor: float = 0.0


DEFAULT_CONFIG = EngineConfig()
