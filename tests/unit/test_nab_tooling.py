"""NAB tooling of the devkit: reference detectors, the in-memory scorer, honest selection,
synthetic families."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healer_ops.devkit.nab import bench as bench_nab
from healer_ops.devkit.nab import exam_families, families, reference, validate
from healer_ops.devkit.nab.reference import cad_ose, relative_entropy
from healer_ops.devkit.nab.synthetic import anomaly_starts, label_windows

needs_scorer = pytest.mark.skipif(not bench_nab.DEFAULT_SCORER.is_file(),
                                  reason="NAB scorer not beside the repository")


def periodic(rows: int = 2000, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    return 50 + 20 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 1, rows)


def test_cad_ose_rests_after_a_high_score_and_is_deterministic():
    values = periodic()
    values[1500] = 200.0  # far above everything: the top quantization level
    scores = cad_ose.score_series(values)
    assert ((scores >= 0) & (scores <= 1)).all()
    np.testing.assert_array_equal(scores, cad_ose.score_series(values))
    rest = int(cad_ose.probation_rows(len(values)) / 5.0)
    high = np.flatnonzero(scores >= cad_ose.BASE_THRESHOLD)
    assert len(high)
    for row in high:
        after = scores[row + 1:row + 1 + rest]
        assert (after == 0).all()  # NAB's rest period: one report per event
    assert scores[1500:1502].max() >= 0.5


def test_relative_entropy_is_binary_and_quiet_on_a_constant_file():
    values = periodic(1500)
    values[1200:1260] = 0.0
    scores = relative_entropy.score_series(values)
    assert set(np.unique(scores)) <= {0.0, 1.0}
    assert scores[1200:1320].max() == 1.0
    assert not relative_entropy.score_series(np.full(300, 7.0)).any()


def test_reference_scores_are_cached_by_the_values_and_read_back(tmp_path):
    values = periodic(1500)
    values[1200:1260] = 0.0
    scores = reference.cached_scores("relativeEntropy", values, tmp_path)
    path = reference.cache_path("relativeEntropy", values, tmp_path)
    assert path.is_file() and list(tmp_path.iterdir()) == [path]
    np.testing.assert_array_equal(np.load(path), scores)
    np.save(path, np.full(len(values), 0.25))  # what is on disk is what a second run reads
    assert (reference.cached_scores("relativeEntropy", values, tmp_path) == 0.25).all()
    changed = values.copy()
    changed[10] += 1.0
    assert reference.cache_path("relativeEntropy", changed, tmp_path) != path
    assert reference.cache_path("cadose", values, tmp_path) != path
    np.testing.assert_array_equal(reference.cached_scores("relativeEntropy", values, None),
                                  scores)


def corpus_file(rel: str, values: np.ndarray, anomaly_rows: list[int]) -> validate.CorpusFile:
    stamps = pd.date_range("2024-01-01", periods=len(values), freq="5min")
    text = list(stamps.strftime("%Y-%m-%d %H:%M:%S"))
    windows = [[text[a] + ".000000", text[b] + ".000000"]
               for a, b in label_windows(len(values), anomaly_rows)]
    return validate.CorpusFile(rel, text, stamps, values, windows)


@needs_scorer
def test_fast_scorer_gives_nab_scorers_figures():
    scorer = validate.load_scorer(bench_nab.DEFAULT_SCORER)
    rng = np.random.default_rng(3)
    files = [corpus_file(f"cat{i % 2}/f{i}.csv", periodic(1200, i), [700, 1000][: 1 + i % 2])
             for i in range(4)]
    results = {f.rel: (rng.random(1200) ** 8, None) for f in files}
    fast = validate.FastScorer(scorer, files)
    rows = [(f.rel, f.stamps, list(results[f.rel][0]), f.windows) for f in files]
    windows = sum(len(f.windows) for f in files)
    for threshold in (None, 0.5, 0.9):
        expected = scorer.evaluate(rows, windows, scorer.PROFILES["standard"], threshold)
        got = fast.evaluate([f.rel for f in files], results, threshold)
        assert got["normalized"] == pytest.approx(expected["normalized"])
        assert got["threshold"] == pytest.approx(expected["threshold"])
        assert got["fp_rows"] == expected["fp_rows"]
        assert got["windows_detected"] == expected["windows_detected"]


@needs_scorer
def test_a_subset_of_one_sort_scores_as_if_sorted_alone():
    """Scores with many ties, windows in every file: each subset's figures from the one sort
    of all files are exactly the figures of the subset scored on its own."""
    scorer = validate.load_scorer(bench_nab.DEFAULT_SCORER)
    rng = np.random.default_rng(4)
    files = [corpus_file(f"cat{i % 3}/f{i}.csv", periodic(900, i), [500, 700][: 1 + i % 2])
             for i in range(7)]
    results = {f.rel: (np.round(rng.random(900) ** 6, 2), None) for f in files}
    fast = validate.FastScorer(scorer, files)
    whole = fast.ranked(validate.rels(files), results)
    for subset in ([files[0]], files[1:4], [f for f in files if f.category != "cat1"], files):
        alone = validate.rels(subset)
        for threshold in (None, 0.3, 0.95):
            assert whole.subset(alone).evaluate(threshold) == fast.evaluate(alone, results,
                                                                            threshold)


@needs_scorer
def test_nested_selection_never_uses_the_held_out_category():
    """A variant perfect on one category and wrong on the others is never chosen for
    that category: the choice is made on the other categories only."""
    scorer = validate.load_scorer(bench_nab.DEFAULT_SCORER)
    files = [corpus_file(f"{c}/f{i}.csv", periodic(1500, i), [1000])
             for i, c in enumerate(["A", "A", "B", "B", "C", "C"])]

    def detections(rows_by_category):
        out = {}
        for f in files:
            scores = np.zeros(1500)
            scores[rows_by_category[f.category]] = 0.9
            out[f.rel] = (scores, None)
        return out

    variants = {"sharp_on_A": detections({"A": 990, "B": 300, "C": 300}),
                "steady": detections({"A": 1010, "B": 990, "C": 990})}
    fast = validate.FastScorer(scorer, files)
    means = validate.variant_means(fast, files, variants)
    held = validate.select_then_hold_out(fast, files, variants, means)
    assert held["A"]["variant"] == "steady"
    assert held["B"]["variant"] == "steady" and held["B"]["windows_detected"] == 2
    ranked = validate.ranked_variants(means)  # the report's runners-up, best first
    assert list(ranked) == ["steady", "sharp_on_A"] and ranked["steady"] > ranked["sharp_on_A"]


def test_window_precision_recall_counts_alerts_after_probation():
    f = corpus_file("A/f.csv", periodic(1000), [600])
    alerts = np.zeros(1000, dtype=int)
    alerts[[50, 600, 800]] = 1  # row 50 is in the probation rows: not counted
    figures = validate.window_precision_recall([f], {f.rel: (None, alerts)})
    assert figures["alerts"] == 2 and figures["alerts_in_windows"] == 1
    assert figures["precision"] == 0.5 and figures["recall"] == 1.0


def assert_labelled_series(series, count: int, anomalies_after: float,
                           strictly_increasing: bool) -> None:
    """`count` series of at least 300 rows, a kind per anomaly, anomalies after the first
    `anomalies_after` share of the rows, timestamps in order."""
    assert len(series) == count
    for s in series:
        assert len(s.values) >= 300 and len(s.timestamps) == len(s.values)
        assert len(s.anomaly_rows) == len(s.anomaly_kinds)
        assert all(anomalies_after * len(s.values) <= row < len(s.values)
                   for row in s.anomaly_rows)
        steps = np.diff(s.timestamps.asi8)
        assert (steps > 0).all() if strictly_increasing else (steps >= 0).all()


@pytest.mark.parametrize("family", families.FAMILIES)
def test_synthetic_families_are_labelled_series_of_their_kind(family):
    series = families.generate(family, seed=7, count=5)
    assert_labelled_series(series, 5, anomalies_after=0.15, strictly_increasing=False)
    if family == "synthGappy":
        gaps = np.concatenate([np.diff(s.timestamps.asi8) for s in series]) / 6e10
        assert gaps.max() > 60 and len(np.unique(np.round(gaps))) > 5  # holes and jitter
        assert any(np.isnan(s.values).any() for s in series)
    if family in ("synthRequests", "synthSparse"):
        assert all((s.values == np.round(s.values)).all() for s in series)  # counts


@pytest.mark.parametrize("family", exam_families.EXAM_FAMILIES)
def test_the_second_exam_families_are_labelled_and_now_tuning_families(family):
    series = exam_families.generate(family, seed=7, count=4)
    assert_labelled_series(series, 4, anomalies_after=0.1, strictly_increasing=True)
    # looked at once scored: they joined the tuning families (the next exam is blind)
    assert family in validate.TUNING_FAMILIES and family not in validate.EXAM_FAMILIES
    if family == "synthOrders":
        assert all((s.values == np.round(s.values)).all() for s in series)  # counts


def test_no_onset_falls_inside_the_scorers_probation():
    # 15% of 4,062 rows is 609.3; seed 5945 draws int(609.3) = 609, inside probation
    assert anomaly_starts(np.random.default_rng(5945), 4062, 1) == [610]
    for seed in range(40):
        rng = np.random.default_rng(seed)
        for rows in (4062, 2001, 9999):
            assert min(anomaly_starts(rng, rows, 3)) >= 0.15 * rows


def test_a_family_is_one_category_whatever_its_name_ends_with():
    files = validate.synthetic_corpus(("synthStorageLatencyP99", "synthAWS"), (1, 2))
    assert validate.categories(files) == ["synthAWS", "synthStorageLatencyP99"]
    seeds = {f.rel.split("/")[1].split("_")[0] for f in files}
    assert seeds == {"1", "2"} and len({f.rel for f in files}) == len(files)


def test_every_variant_is_a_valid_engine_config_and_retired_ones_are_not_candidates():
    from dataclasses import replace

    from healer_ops.detect import engine
    from healer_ops.devkit.nab import variants

    assert "engine" in variants.VARIANTS and "escalate-3" in variants.VARIANTS
    assert not set(variants.VARIANTS) & set(variants.RETIRED_VARIANTS)
    assert variants.EVERY_VARIANT == {**variants.VARIANTS, **variants.RETIRED_VARIANTS}
    for changes in variants.EVERY_VARIANT.values():
        replace(engine.DEFAULT_CONFIG, **changes)  # a misspelt field raises TypeError
