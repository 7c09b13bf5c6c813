"""The univariate detector behind `healer-ops detect`: causality, format, calibration, errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from healer_ops.cli import app
from healer_ops.detect import series as detector
from healer_ops.detect import series_stats as stats
from healer_ops.detect.engine import core
from healer_ops.detect.series_io import SeriesInputError, read_series
from healer_ops.devkit.nab import bench as bench_nab
from healer_ops.devkit.nab import synthetic

ROWS = 3000  # ten and a half days of 5-minute rows
ANOMALY_AT = 2400


def periodic_series(seed: int, rows: int = ROWS) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A daily cycle plus Gaussian noise, 5-minute spacing: nothing anomalous in it."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-03-02", periods=rows, freq="5min")
    t = np.arange(rows)
    values = 500 + 120 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 15, rows)
    return stamps, values


def write_csv(path, stamps, values) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        for stamp, value in zip(stamps, values, strict=True):
            writer.writerow([pd.Timestamp(stamp).strftime("%Y-%m-%d %H:%M:%S"), value])


def first_alert(scores: np.ndarray) -> int | None:
    hits = np.flatnonzero(detector.alerts(scores))
    return int(hits[0]) if len(hits) else None


def test_scores_are_causal():
    stamps, values = periodic_series(seed=1)
    values[1500] += 400  # something to react to before the cuts
    baseline = detector.score_series(values, stamps)
    assert baseline[1500:1520].max() >= detector.ALERT_SCORE
    rng = np.random.default_rng(7)
    for cut in (50, 800, 1600, 1505, 2500):
        changed = values.copy()
        changed[cut + 1:] = rng.normal(0, 1000, ROWS - cut - 1)  # wildly different future
        changed_stamps = stamps.to_numpy().copy()
        changed_stamps[cut + 1:] += np.timedelta64(17, "m")  # and a gap in time
        rescored = detector.score_series(changed, pd.DatetimeIndex(changed_stamps))
        np.testing.assert_array_equal(rescored[:cut + 1], baseline[:cut + 1])
        assert not np.array_equal(rescored[cut + 1:], baseline[cut + 1:])


def test_scoring_a_prefix_gives_the_same_scores_as_the_whole_series():
    """Streaming equivalence: the series cut after row t scores rows 0..t as the whole does."""
    stamps, values = periodic_series(seed=9)
    values[1200:1260] *= 1.8
    values[2100] -= 300
    whole = detector.score_series(values, stamps)
    for cut in (99, 150, 1000, 1259, 2101, 2900):
        prefix = detector.score_series(values[:cut + 1], stamps[:cut + 1])
        np.testing.assert_allclose(prefix, whole[:cut + 1], rtol=0, atol=1e-9)


def test_clean_periodic_series_rarely_alert():
    """Ten clean series of ten days each: at most one false alert in all of them."""
    false_alerts = 0
    for seed in range(10, 20):
        stamps, values = periodic_series(seed)
        scores = detector.score_series(values, stamps)
        assert np.all(scores < 1.0)
        false_alerts += int(detector.alerts(scores).sum())
    assert false_alerts <= 1


@pytest.mark.parametrize("kind", ["spike", "level_shift", "drop_to_zero"])
def test_injected_anomaly_raises_an_alert_soon_after(kind):
    stamps, values = periodic_series(seed=5)
    if kind == "spike":
        values[ANOMALY_AT] += 250
    elif kind == "level_shift":
        values[ANOMALY_AT:] += 150
    else:
        values[ANOMALY_AT:ANOMALY_AT + 30] = 0.0
    scores = detector.score_series(values, stamps)
    hit = first_alert(scores)
    assert hit is not None and ANOMALY_AT <= hit <= ANOMALY_AT + 12, hit
    # one anomaly is one detection, not a run of alert rows
    assert detector.alerts(scores)[ANOMALY_AT:ANOMALY_AT + 100].sum() <= 2


def test_an_extreme_point_alerts_on_its_own_row_not_at_the_end_of_its_step():
    stamps, values = periodic_series(seed=5)
    spike_at = ANOMALY_AT + 5  # mid-step: steps of 12 rows end at rows 11, 23, ...
    values[spike_at] += 250
    scores = detector.score_series(values, stamps)
    assert first_alert(scores) == spike_at
    before = detector.score_series(values[:spike_at + 1], stamps[:spike_at + 1])
    assert detector.alerts(before)[-1] == 1  # known as soon as the row arrives


def test_hourly_short_series_detects_a_spike():
    """AdExchange-like: 1600 hourly rows with a daily cycle; one spike late in the series."""
    rng = np.random.default_rng(11)
    stamps = pd.date_range("2026-01-01", periods=1600, freq="h")
    t = np.arange(1600)
    values = 2.0 + 0.8 * np.sin(2 * np.pi * t / 24) + rng.gamma(2.0, 0.1, 1600)
    values[1300] += 6.0
    scores = detector.score_series(values, stamps)
    alerted = np.flatnonzero(detector.alerts(scores))
    assert 1300 in alerted
    assert len(alerted) <= 6  # false alerts: at most about one per ten days of data


def test_irregular_timestamps_flatline_and_short_series():
    rng = np.random.default_rng(12)
    gaps = rng.choice([240, 300, 300, 300, 360, 3600], size=2500)  # jitter and holes
    stamps = pd.to_datetime("2026-02-01") + pd.to_timedelta(np.cumsum(gaps), unit="s")
    flat = np.full(2500, 45.0)
    assert not detector.alerts(detector.score_series(flat, stamps)).any()
    stepped = flat.copy()
    stepped[1800:] = 60.0  # a flat metric that suddenly moves
    hits = np.flatnonzero(detector.alerts(detector.score_series(stepped, stamps)))
    assert len(hits) >= 1 and 1800 <= hits[0] <= 1812
    short = detector.score_series(np.arange(50.0), stamps[:50])
    assert len(short) == 50 and not short.any()


def test_a_score_means_the_same_on_a_quiet_and_a_noisy_series():
    stamps, values = periodic_series(seed=6)
    quiet = detector.score_series(values, stamps)
    noisy = detector.score_series(values * 1000 + 5e6, stamps)  # same shape, other units
    np.testing.assert_allclose(quiet, noisy, atol=1e-6)


def test_robust_zscore_uses_only_earlier_rows():
    values = np.array([10.0, 12, 11, 13, 12, 11, 100])
    z = stats.robust_zscore(values, window=6)
    earlier = values[:6]
    iqr = np.percentile(earlier, 75) - np.percentile(earlier, 25)
    assert z[-1] == pytest.approx((100 - np.median(earlier)) / (iqr / stats.IQR_TO_SIGMA))
    assert np.isnan(z[:3]).all()


def test_suppress_repeats_keeps_only_rows_that_beat_the_recent_past():
    scores = np.array([0.0, 0.5, 0.45, 0.4, 0.9, 0.0, 0.0, 0.0, 0.5])
    kept = stats.suppress_repeats(scores, hold=3)
    assert kept.tolist() == [0.0, 0.5, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.5]


def test_silence_after_alerts_holds_for_the_given_rows():
    scores = np.array([0.6, 0.7, 0.0, 0.9, 0.2, 0.8])
    assert stats.silence_after_alerts(scores, 0.5, hold=3).tolist() == [
        0.6, 0.0, 0.0, 0.0, 0.2, 0.8]


def test_tail_pvalues_are_calibrated_on_the_series_own_history():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, 20000)
    p = stats.tail_pvalues(noise, warmup=1000)[1000:]
    assert 0.008 < (p < 0.01).mean() < 0.012  # uniform under the null
    spiky = noise.copy()
    spiky[15000] = 9.0
    assert stats.tail_pvalues(spiky, warmup=1000)[15000] < 1e-6


def test_detect_command_writes_one_scored_row_per_input_row(tmp_path):
    stamps, values = periodic_series(seed=8)
    values[ANOMALY_AT] += 300
    values = values.astype(object)
    values[100] = ""  # a missing observation is kept, scored 0
    source, target = tmp_path / "series.csv", tmp_path / "scores.csv"
    write_csv(source, stamps, values)
    result = CliRunner().invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(target, keep_default_na=False)
    assert list(out.columns) == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(out) == ROWS
    assert out["timestamp"].iloc[5] == stamps[5].strftime("%Y-%m-%d %H:%M:%S")
    assert out["value"].iloc[100] == "" and out["anomaly_score"].iloc[100] == 0
    assert out["anomaly_score"].between(0, 1).all()
    assert set(out["alert"]) <= {0, 1}
    assert out["alert"].iloc[ANOMALY_AT:ANOMALY_AT + 13].sum() == 1
    assert (out["alert"] == (out["anomaly_score"] >= detector.ALERT_SCORE)).all()


@pytest.mark.parametrize("scale", [1, 1000])
def test_unix_epoch_timestamps_in_seconds_or_milliseconds_read_as_the_same_times(tmp_path,
                                                                                 scale):
    stamps, values = periodic_series(seed=8)
    epoch = [str(int(stamp.timestamp()) * scale) for stamp in stamps]
    source, target = tmp_path / "epoch.csv", tmp_path / "scores.csv"
    source.write_text("timestamp,value\n" + "".join(
        f"{stamp},{value}\n" for stamp, value in zip(epoch, values, strict=True)))
    series = read_series(source)
    assert (series.timestamps == stamps.tz_localize("UTC")).all()
    result = CliRunner().invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(target, dtype=str)["timestamp"].tolist() == epoch  # echoed verbatim


@pytest.mark.parametrize(("content", "message"), [
    ("time,value\n2026-01-01 00:00:00,1\n", "line 1: missing column(s) timestamp"),
    ("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00,abc\n",
     "line 3: value 'abc' is not a number"),
    ("timestamp,value\n2026-01-01 00:00:00,1\nyesterday noon,2\n",
     "line 3: timestamp 'yesterday noon' cannot be parsed"),
    ("timestamp,value\n1767225600,1\n2026-01-01 00:05:00,2\n",
     "line 2: timestamp '1767225600' cannot be parsed"),  # epoch only when every one is
    ("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00\n", "line 3: 1 field(s)"),
    ("", "the file is empty"),
])
def test_bad_input_is_refused_naming_the_line(tmp_path, content, message):
    source = tmp_path / "bad.csv"
    source.write_text(content)
    with pytest.raises(SeriesInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_series(source)
    result = CliRunner().invoke(app, ["detect", "--input", str(source),
                                      "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.skipif(not bench_nab.DEFAULT_SCORER.is_file(), reason="NAB scorer not beside repo")
def test_bench_nab_runs_detect_on_every_labelled_file_and_scores_it(tmp_path):
    nab, results = tmp_path / "nab", tmp_path / "results"
    windows = {}
    for category, seed in (("catA", 21), ("catB", 22)):
        (nab / "data" / category).mkdir(parents=True)
        stamps, values = periodic_series(seed)
        values[ANOMALY_AT] += 300
        write_csv(nab / "data" / category / "series.csv", stamps, values)
        window = [stamps[ANOMALY_AT - 100], stamps[ANOMALY_AT + 100]]
        windows[f"{category}/series.csv"] = [[str(s) + ".000000" for s in window]]
    (nab / "labels").mkdir()
    (nab / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    result = CliRunner().invoke(app, ["bench", "nab", "--nab", str(nab), "--results",
                                      str(results), "--name", "probe", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # (progress lines go to stderr)
    assert report["run"]["files"] == 2 and report["run"]["rows"] == 2 * ROWS
    assert (results / "catA" / "probe_series.csv").is_file()
    standard = report["scores"]["standard"]
    assert standard["windows_detected"] == 2 and standard["normalized"] > 90
    assert set(report["leave_one_category_out"]) == {"catA", "catB"}
    assert report["alerts"]["all"]["windows_alerted"] == 2  # the alert column, by windows
    assert set(report["reference"]) == {"cadose", "relativeEntropy"}  # anchors, same run
    for figures in report["reference"].values():
        assert (results / "catA").is_dir() and figures["scores"]["standard"]["windows_total"] == 2
    assert any((results / "catA").glob("cadose_*.csv"))
    bad = CliRunner().invoke(app, ["bench", "nab", "--nab", str(nab), "--results",
                                   str(results), "--name", "has_underscore"])
    assert bad.exit_code == 2 and "must not contain '_'" in bad.output


def test_day_over_day_reference_follows_the_clock_across_gaps_and_jitter():
    """Irregular ~5-minute readings with holes: the reference is the same clock time, so a
    clean daily cycle differences to ~0 (counting rows would compare other hours)."""
    rng = np.random.default_rng(13)
    minutes = rng.choice([4, 5, 5, 5, 6, 15], size=3000).astype(float)
    minutes[1200] = 7 * 60  # a seven-hour hole
    stamps = pd.Timestamp("2026-02-01") + pd.to_timedelta(np.cumsum(minutes), unit="min")
    hours = np.asarray(stamps.hour + stamps.minute / 60)
    values = 100 + 40 * np.sin(2 * np.pi * hours / 24)
    spacing = core.spacing_seconds(stamps, 100)
    by_clock = core.day_over_day(values, stamps, spacing, core.DEFAULT_CONFIG)
    known = np.isfinite(by_clock)
    assert known[2000:].mean() > 0.95
    assert np.nanmax(np.abs(by_clock[1300:])) < 3.0  # 40 x (2 pi / 24 h) x 6 min ~ 1
    by_rows = values - stats.seasonal_difference(values, round(86400 / spacing), 5)
    assert np.nanmax(np.abs(values[1300:] - by_rows[1300:])) > 20


def test_seasonal_difference_by_position_equals_by_row_on_regular_rows():
    values = np.random.default_rng(14).normal(size=700)
    by_row = stats.seasonal_difference(values, 100, 3)
    by_time = stats.seasonal_difference(values, 30000.0, 3, np.arange(700) * 300.0, 150.0)
    np.testing.assert_allclose(by_time, by_row, equal_nan=True)
    assert np.isnan(by_row[:100]).all() and np.isfinite(by_row[100:]).all()
    # a timestamp that goes backwards never makes a later row a reference (causal)
    positions = np.arange(700) * 300.0
    positions[400] = 0.0
    shuffled = stats.seasonal_difference(values, 30000.0, 3, positions, 150.0)
    np.testing.assert_allclose(shuffled[:400], by_row[:400], equal_nan=True)


def test_synthetic_kinds_look_like_the_nab_files_we_cannot_see():
    aws, ads, traffic = (synthetic.generate(kind, seed=4, count=4) for kind in synthetic.KINDS)
    spacing = [np.diff(s.timestamps.asi8) for s in aws + ads + traffic]
    assert all(len(np.unique(gaps)) == 1 for gaps in spacing[:4])  # CloudWatch: regular
    assert any(gaps.max() > gaps.min() for gaps in spacing[4:8])  # hourly with missing hours
    assert all(len(np.unique(gaps)) > 3 for gaps in spacing[8:])  # traffic: irregular
    for series in aws + ads + traffic:
        assert 1000 <= len(series.values) <= 4800 and np.isfinite(series.values).all()
        windows = synthetic.label_windows(len(series.values), series.anomaly_rows)
        for (first, last), row in zip(windows, sorted(series.anomaly_rows), strict=True):
            width = 0.1 * len(series.values) / len(series.anomaly_rows)
            assert abs((last - first) - width) <= 2 and first <= row <= last


def test_detector_on_synthetic_aws_adexchange_and_traffic_files():
    """Unseen kinds: no failure on gaps, jitter or duplicate timestamps; three in ten of the
    labelled windows get an alert and false alerts stay under one per file (after NAB's 15%
    probation). Three seeds, 54 files: one seed's 38 windows moved the share by a window's
    2.6 points (the 17-hour hold had 16 of them on seed 5, the 8-hour hold 15; 31 and 32 of
    97 on seeds 5 to 7); the scores themselves are judged by `bench nab-validate`."""
    detected = windows = false_alerts = files = 0
    for seed in (5, 6, 7):
        for kind in synthetic.KINDS:
            for series in synthetic.generate(kind, seed=seed, count=6):
                scores = detector.score_series(series.values, series.timestamps)
                assert len(scores) == len(series.values)
                assert ((scores >= 0) & (scores < 1)).all()
                alerted = detector.alerts(scores).astype(bool)
                inside = np.zeros(len(scores), bool)
                for first, last in synthetic.label_windows(len(scores), series.anomaly_rows):
                    inside[first:last + 1] = True
                    detected += alerted[first:last + 1].any()
                    windows += 1
                scored = np.arange(len(scores)) >= 0.15 * len(scores)
                false_alerts += (alerted & ~inside & scored).sum()
                files += 1
    assert detected >= 0.3 * windows, (detected, windows)
    assert false_alerts < files, (false_alerts, files)


def test_irregular_timestamps_with_duplicates_score_causally():
    series = synthetic.generate("synthTraffic", seed=8, count=1)[0]
    stamps = series.timestamps.to_numpy().copy()
    stamps[[400, 900]] = stamps[[399, 899]]  # repeated readings
    stamps[1000] = stamps[990]  # and one that goes back in time
    whole = detector.score_series(series.values, pd.DatetimeIndex(stamps))
    for cut in (150, 700, 995, len(series.values) - 40):
        prefix = detector.score_series(series.values[:cut], pd.DatetimeIndex(stamps[:cut]))
        np.testing.assert_allclose(prefix, whole[:cut], rtol=0, atol=1e-9)
