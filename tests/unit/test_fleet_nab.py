"""The fleet-nab benchmark's data preparation and score (the replay runs in `healer-ops bench`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from healer_ops.devkit.bench.fleet_nab import Series, place_in_time, response_times, score

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
