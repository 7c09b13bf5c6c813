"""The fleet-nab benchmark's data preparation and score (the replay runs in `healer-ops bench`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from healer_ops.detect.fleet import RULES
from healer_ops.devkit.bench.fleet_nab import (
    Series,
    leave_one_category_out,
    place_in_time,
    response_times,
    rule_grid,
    score,
)

T0 = datetime(2014, 4, 1, tzinfo=UTC)


def test_values_become_response_times_around_a_few_hundred_ms():
    rt = response_times(np.array([-5.0, 0.0, 5.0, 5.0, 105.0]))
    assert rt.min() == 50.0 and np.median(rt) == 300.0 and rt.max() == 50 + 250 * 11
    assert (response_times(np.zeros(4)) == 50.0).all()  # a flat line stays flat


def series(name, windows, hours=100):
    times = pd.date_range(T0, periods=hours * 12, freq="5min")
    return Series(name, times, np.ones(len(times)), windows, times[int(0.15 * len(times))]
                  .to_pydatetime(), site_id=name)


def test_moving_keeps_weekday_and_time_of_day():
    one = series("a", [(T0 + timedelta(hours=50), T0 + timedelta(hours=60))])
    before = one.times[0]
    place_in_time([one], datetime(2026, 12, 5, 7, tzinfo=UTC))
    assert (one.times[0] - before) % timedelta(days=7) == timedelta(0)
    assert one.windows[0][0] - one.times[0] == timedelta(hours=50)


def test_score_counts_alerts_and_windows_after_the_probation():
    w1 = (T0 + timedelta(hours=40), T0 + timedelta(hours=50))
    w2 = (T0 + timedelta(hours=70), T0 + timedelta(hours=80))
    early = (T0 + timedelta(hours=1), T0 + timedelta(hours=2))  # inside the probation
    s = series("a", [early, w1, w2])
    opened = {"a": [T0 + timedelta(hours=1, minutes=30), T0 + timedelta(hours=45),
                    T0 + timedelta(hours=46), T0 + timedelta(hours=60)]}
    result = score([s], opened)
    assert result["alerts"] == 3 and result["alerts_inside"] == 2
    assert result["windows"] == 2 and result["windows_alerted"] == 1


def _figures(**by_category):
    return {"by_category": {c: dict(zip(("alerts", "inside", "windows", "windows_alerted"),
                                        f, strict=True)) for c, f in by_category.items()}}


def test_each_category_is_scored_at_the_value_the_others_chose():
    variants = {  # conservative first
        "off": _figures(a=(4, 4, 10, 4), b=(2, 2, 10, 2), c=(10, 10, 20, 10)),
        "loose": _figures(a=(8, 7, 10, 7), b=(4, 4, 10, 4), c=(20, 12, 20, 14)),
    }
    result = leave_one_category_out(variants)
    # c's 12/20 inside keeps b+c (16/24) and a+c (19/28) under 0.8: off; a+b passes
    assert {k: f["chosen"] for k, f in result["folds"].items()} == {
        "a": "off", "b": "off", "c": "loose"}
    assert result["folds"]["c"] == {"chosen": "loose", "alerts": 20, "inside": 12,
                                     "windows": 20, "windows_alerted": 14}
    assert result["overall"]["windows_alerted"] == 4 + 2 + 14
    assert result["overall"]["alerts_inside_share"] == round(18 / 26, 3)


def test_ties_go_to_the_value_listed_first():
    same = _figures(a=(1, 1, 2, 1), b=(1, 1, 2, 1))
    assert {f["chosen"] for f in leave_one_category_out(
        {"off": same, "on": same})["folds"].values()} == {"off"}


def test_the_grid_holds_every_combination_of_rule_values():
    grid = rule_grid(RULES, {"engine_spike_ratio": [None, 10.0],
                             "engine_lasting_score": [0.45, 0.4]})
    assert list(grid) == ["engine_spike_ratio=None, engine_lasting_score=0.45",
                          "engine_spike_ratio=None, engine_lasting_score=0.4",
                          "engine_spike_ratio=10.0, engine_lasting_score=0.45",
                          "engine_spike_ratio=10.0, engine_lasting_score=0.4"]
    assert grid["engine_spike_ratio=10.0, engine_lasting_score=0.4"].engine_lasting_score == 0.4
