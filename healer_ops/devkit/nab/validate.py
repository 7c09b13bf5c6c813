"""Honest validation of detectors: NAB scoring in memory, leave one category out.

A corpus is the local NAB files plus synthetic categories (``synthetic`` kinds and
``families``), held in memory. ``run`` scores every file with a detector (a function
``(values, timestamps) -> scores``, or ``-> (scores, alerts)``); ``nab_figures`` scores a
subset with NAB's own scoring code (``nab_score.py``, loaded from ../shared/tools) at a
threshold optimized on the subset or given; ``leave_one_category_out`` gives every category
its score at the threshold optimized on the OTHER categories, and ``select_then_hold_out``
also chooses the detector variant on the other categories only (nested: the held-out
category never influences the choice of variant or threshold).

``window_precision_recall`` judges an alert column the way an operator would: the share of
alerts (after the probation rows) that fall inside a labelled window, and the share of
windows with at least one alert.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healer_ops.detect import engine  # imported before workers fork: one code version
from healer_ops.detect.engine.calibrate import score_to_pvalue
from healer_ops.detect.series_io import read_series
from healer_ops.devkit.nab.fast_scorer import FastScorer
from healer_ops.devkit.nab.reference import cache_path
from healer_ops.devkit.nab.variants import EXAM_FAMILIES, TUNING_FAMILIES, VARIANTS

PROBATION = 0.15


@dataclass
class CorpusFile:
    rel: str  # "<category>/<file>.csv"
    stamps: list[str]  # as the scorer reads them (first 19 characters)
    timestamps: pd.DatetimeIndex
    values: np.ndarray
    windows: list[list[str]]

    @property
    def category(self) -> str:
        return self.rel.split("/")[0]


def load_scorer(scorer: Path):
    spec = importlib.util.spec_from_file_location("nab_score", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_nab(nab_dir: Path) -> list[CorpusFile]:
    """Every labelled file of a NAB folder."""
    windows = json.loads((Path(nab_dir) / "labels" / "combined_windows.json").read_text())
    files = []
    for rel in sorted(windows):
        series = read_series(Path(nab_dir) / "data" / rel)
        files.append(CorpusFile(rel, [text[:19] for text in series.timestamp_text],
                                series.timestamps, series.values, windows[rel]))
    return files


def synthetic_corpus(kinds: tuple[str, ...], seeds: tuple[int, ...]) -> list[CorpusFile]:
    """Generated files, one category per kind, every seed's files in it
    (``<kind>/<seed>_<file>``)."""
    from healer_ops.devkit.nab.synthetic import generate_any, label_windows

    files = []
    for seed in seeds:
        for kind in kinds:
            for series in generate_any(kind, seed):
                text = list(series.timestamps.strftime("%Y-%m-%d %H:%M:%S"))
                windows = [[text[first] + ".000000", text[last] + ".000000"]
                           for first, last in label_windows(len(series.values),
                                                            series.anomaly_rows)]
                files.append(CorpusFile(f"{kind}/{seed}_{series.name}.csv", text,
                                        series.timestamps, series.values, windows))
    return files


def _score_one(args):
    detector, values, timestamps = args
    out = detector(values, timestamps)
    scores, alerts = out if isinstance(out, tuple) else (out, None)
    return np.asarray(scores, dtype=float), alerts


def run(files: list[CorpusFile], detector: Callable, workers: int = 1) -> dict:
    """{rel: (scores, alerts or None)} for every file, and the seconds it took."""
    started = time.perf_counter()
    jobs = [(detector, f.values, f.timestamps) for f in files]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_score_one, jobs, chunksize=1))
    else:
        results = [_score_one(job) for job in jobs]
    out = {f.rel: result for f, result in zip(files, results, strict=True)}
    return {"results": out, "seconds": round(time.perf_counter() - started, 2)}


def nab_figures(fast: FastScorer, files: list[CorpusFile], results: dict,
                threshold: float | None = None) -> dict:
    """NAB's figures of ``files`` (threshold optimized on them unless given)."""
    return rounded(fast.evaluate(rels(files), results, threshold))


def rounded(figures: dict) -> dict:
    normalized = figures["normalized"]
    return {**figures, "normalized": None if normalized is None else round(normalized, 1),
            "threshold": round(figures["threshold"], 4)}


def rels(files: list[CorpusFile]) -> list[str]:
    return [f.rel for f in files]


def categories(files: list[CorpusFile]) -> list[str]:
    return sorted({f.category for f in files})


def of_category(files: list[CorpusFile], category: str) -> list[CorpusFile]:
    return [f for f in files if f.category == category]


def held_out_folds(files: list[CorpusFile]):
    """(held-out category, the other categories' files, its own files) per category."""
    for held_out in categories(files):
        others = [f for f in files if f.category != held_out]
        yield held_out, others, of_category(files, held_out)


def leave_one_category_out(fast: FastScorer, files: list[CorpusFile], results: dict) -> dict:
    """Per category: its figures at the threshold optimized on all the other categories."""
    whole = fast.ranked(rels(files), results)
    out = {}
    for held_out, others, mine in held_out_folds(files):
        threshold = whole.subset(rels(others)).evaluate()["threshold"]
        out[held_out] = rounded(whole.subset(rels(mine)).evaluate(threshold))
        out[held_out]["threshold_from_others"] = out[held_out].pop("threshold")
    return out


class CategoryScores:
    """One detector's results on ``files`` sorted once, with each category's rows apart: the
    mean category score of any set of categories is then a few masks and sums."""

    def __init__(self, fast: FastScorer, files: list[CorpusFile], results: dict):
        self.files = files
        self.whole = fast.ranked(rels(files), results)
        self.by_category = {category: self.whole.subset(rels(of_category(files, category)))
                            for category in categories(files)}

    def mean(self, without: str | None = None) -> tuple[float, float]:
        """(mean normalized score over the categories with windows, the threshold optimized
        on them together), every category but ``without``."""
        kept = self.whole if without is None else self.whole.subset(
            rels([f for f in self.files if f.category != without]))
        threshold = kept.evaluate()["threshold"]
        scores = [ranked.evaluate(threshold)["normalized"]
                  for category, ranked in self.by_category.items() if category != without]
        scores = [s for s in scores if s is not None]
        return float(np.mean(scores)) if scores else 0.0, threshold


def variant_means(fast: FastScorer, files: list[CorpusFile], variants: dict[str, dict]
                  ) -> dict[tuple[str | None, str], tuple[float, float]]:
    """``CategoryScores.mean`` of every variant ({name: results}) without each category
    and (``None``) over all of them: {(category left out, name): (mean, threshold)}."""
    means = {}
    for name, results in variants.items():
        scores = CategoryScores(fast, files, results)
        for without in (*categories(files), None):
            means[without, name] = scores.mean(without)
    return means


def best_variant(means: dict, without: str | None) -> tuple[str, float, float]:
    """(name, mean, threshold) of the variant with the best mean without ``without``."""
    (mean, threshold), name = max((figures, name) for (left_out, name), figures
                                  in means.items() if left_out == without)
    return name, mean, threshold


def ranked_variants(means: dict) -> dict[str, float]:
    """Every variant's mean category score over all the categories of ``means``
    (``variant_means``), best first: the runners-up of the choice."""
    on_all = {name: mean for (left_out, name), (mean, _) in means.items() if left_out is None}
    return {name: round(on_all[name], 2)
            for name in sorted(on_all, key=on_all.get, reverse=True)}


def select_then_hold_out(fast: FastScorer, files: list[CorpusFile],
                         variants: dict[str, dict], means: dict | None = None) -> dict:
    """Nested leave-one-category-out over detector variants ({name: results}).

    For each category: the variant with the best mean category score on the OTHER
    categories is chosen, with its threshold optimized there; the category is then scored
    with that variant and threshold (``means``: ``variant_means`` of these, when known).
    """
    means = means or variant_means(fast, files, variants)
    out = {}
    for held_out, _, mine in held_out_folds(files):
        chosen, train_score, threshold = best_variant(means, held_out)
        figures = nab_figures(fast, mine, variants[chosen], threshold)
        out[held_out] = {"variant": chosen, "train_mean": round(train_score, 1),
                         "threshold_from_others": figures.pop("threshold"), **figures}
    return out


def window_precision_recall(files: list[CorpusFile], results: dict) -> dict:
    """Alert column vs labelled windows (after the probation rows of each file)."""
    alerts_total = alerts_inside = windows_total = windows_hit = 0
    for f in files:
        alerts = results[f.rel][1]
        if alerts is None:
            continue
        alerts = np.asarray(alerts).astype(bool)
        probation = int(PROBATION * len(alerts))
        inside = np.zeros(len(alerts), dtype=bool)
        stamps = np.array(f.stamps)
        for first, last in f.windows:
            rows = np.flatnonzero((stamps >= first[:19]) & (stamps <= last[:19]))
            if len(rows):
                inside[rows[0]:rows[-1] + 1] = True
                windows_total += 1
                windows_hit += bool(alerts[rows[0]:rows[-1] + 1].any())
        scored = np.arange(len(alerts)) >= probation
        alerts_total += int((alerts & scored).sum())
        alerts_inside += int((alerts & scored & inside).sum())
    return {"alerts": alerts_total, "alerts_in_windows": alerts_inside,
            "precision": round(alerts_inside / alerts_total, 3) if alerts_total else None,
            "windows": windows_total, "windows_alerted": windows_hit,
            "recall": round(windows_hit / windows_total, 3) if windows_total else None}


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


# ---------------------------------------------------------------- the engine's validation

class EngineVariant:
    """The engine with some config fields replaced; returns (score, alert) per row."""

    def __init__(self, **changes):
        self.changes = changes

    def __call__(self, values, timestamps):
        from dataclasses import replace

        config = replace(engine.DEFAULT_CONFIG, **self.changes)
        detection = engine.score_series(values, timestamps, config=config)
        return detection.score, detection.alert


class ReferenceDetector:
    def __init__(self, name: str, cache_dir: Path | None = None):
        self.name = name
        self.cache_dir = cache_dir

    def __call__(self, values, timestamps):
        from healer_ops.devkit.nab.reference import cached_scores

        return cached_scores(self.name, values, self.cache_dir)


def validate_engine(nab_dir: Path, scorer_path: Path, seeds: tuple[int, ...] = (1, 2),
                    references: tuple[str, ...] = ("cadose", "relativeEntropy"),
                    workers: int | None = None, reference_cache: Path | None = None,
                    variants: dict[str, dict] | None = None,
                    on_engine_report: Callable[[dict], None] | None = None) -> dict:
    """Held-out figures of the engine on the local NAB categories and synthetic families.

    - ``held_out``: nested leave-one-category-out over the tuning categories (local NAB and
      the tuning families): the variant AND the threshold are chosen on the other
      categories; the alert column's window precision/recall on the held-out category.
    - ``exam``: families never used to choose anything, scored with the variant and
      threshold chosen on all tuning categories.
    - ``references``: the published detectors on the same files (threshold from the other
      categories, as ``leave_one_category_out``); with ``reference_cache``, files those
      detectors scored before are read from it (``from_cache`` counts them).

    ``variants`` ({name: config changes}, ``VARIANTS`` by default, "engine" among them) are
    the candidates of the nested selection. ``on_engine_report`` receives the report as soon
    as the engine's figures are known, before the references' long runs, so a run that dies
    or is stopped in its reference phase does not take the exam's one scoring with it.
    """
    workers = workers or default_workers()
    variants = variants or VARIANTS
    scorer = load_scorer(scorer_path)
    tuning = load_nab(nab_dir) + synthetic_corpus(TUNING_FAMILIES, seeds)
    exam = synthetic_corpus(EXAM_FAMILIES, seeds)
    everything = tuning + exam
    fast = FastScorer(scorer, everything)
    runs = {name: run(everything, EngineVariant(**changes), workers)
            for name, changes in variants.items()}
    results = {name: r["results"] for name, r in runs.items()}
    means = variant_means(fast, tuning, results)
    held_out = select_then_hold_out(fast, tuning, results, means)
    for category, figures in held_out.items():
        mine = of_category(tuning, category)
        figures["alerts"] = window_precision_recall(mine, results[figures["variant"]])
    chosen, _, threshold = best_variant(means, None)
    exam_figures = {}
    for category in categories(exam):
        mine = of_category(exam, category)
        exam_figures[category] = {"variant": chosen, "threshold_from_tuning": threshold,
                                  **nab_figures(fast, mine, results[chosen], threshold),
                                  "alerts": window_precision_recall(mine, results[chosen])}
        exam_figures[category].pop("threshold")
    report = {"corpus": {"tuning": {c: sum(f.category == c for f in tuning)
                                    for c in categories(tuning)},
                         "exam": {c: sum(f.category == c for f in exam)
                                  for c in categories(exam)}, "seeds": list(seeds)},
              "seconds": {name: r["seconds"] for name, r in runs.items()},
              "chosen_on_all_tuning": chosen,
              "variant_means_on_all_tuning": ranked_variants(means),
              "held_out": held_out, "exam": exam_figures,
              "engine_loco": leave_one_category_out(fast, everything, results["engine"]),
              "references": {}}
    if on_engine_report:
        on_engine_report(report)
    for name in references:
        cached = sum(reference_cache is not None and cache_path(
            name, f.values, reference_cache).is_file() for f in everything)
        result = run(everything, ReferenceDetector(name, reference_cache), workers)
        report["references"][name] = {"seconds": result["seconds"],
                                       "from_cache": f"{cached} of {len(everything)}",
                                       "loco": leave_one_category_out(fast, everything,
                                                                      result["results"])}
    return report


# ---------------------------------------------------------------- the fast tuning loop

_TUNING_CACHE: dict = {}


def tuning_corpus(nab_dir: Path, scorer_path: Path, seeds: tuple[int, ...] = (1, 2)
                  ) -> tuple[list[CorpusFile], FastScorer]:
    """The tuning categories (local NAB and TUNING_FAMILIES) and their scorer, built once
    per process."""
    key = (str(nab_dir), str(scorer_path), seeds)
    if key not in _TUNING_CACHE:
        files = load_nab(nab_dir) + synthetic_corpus(TUNING_FAMILIES, seeds)
        _TUNING_CACHE[key] = (files, FastScorer(load_scorer(scorer_path), files))
    return _TUNING_CACHE[key]


def engine_loco(changes: dict, nab_dir: Path, scorer_path: Path,
                seeds: tuple[int, ...] = (1, 2), workers: int | None = None) -> dict:
    """Plain leave-one-category-out of the engine with ``changes`` to its config, on the
    tuning categories: per category its score at the threshold of the others, their mean,
    the alert column's window precision/recall per category, and the seconds of the run."""
    files, fast = tuning_corpus(nab_dir, scorer_path, seeds)
    result = run(files, EngineVariant(**changes), workers or default_workers())
    loco = leave_one_category_out(fast, files, result["results"])
    scores = [figures["normalized"] for figures in loco.values()
              if figures["normalized"] is not None]
    alerts = {category: window_precision_recall(
        of_category(files, category), result["results"])
        for category in categories(files)}
    return {"changes": changes, "seconds": result["seconds"],
            "mean": round(float(np.mean(scores)), 1), "loco": loco, "alerts": alerts,
            "results": result["results"]}


ALERT_PVALUES = (0.03, 0.02, 0.01, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5, 1e-6)
WANTED_PRECISION = 0.8


def rescored_alerts(results: dict, scored_at: float, alert_pvalue: float) -> dict:
    """The alert column each file would have with ``alert_pvalue``: the kept (thinned) rows
    whose p reaches it. Thinning does not depend on the alert p-value (``silence_pvalue``
    opens a detection), so the p of a kept row is read back from its score."""
    out = {}
    for rel, (scores, _) in results.items():
        scores = np.asarray(scores, dtype=float)
        pvalues = score_to_pvalue(scores, scored_at)
        out[rel] = (scores, (scores > 0) & (pvalues <= alert_pvalue * (1 + 1e-9)))
    return out


def choose_alert_pvalue(files: list[CorpusFile], results: dict, scored_at: float,
                        candidates: tuple[float, ...] = ALERT_PVALUES) -> dict:
    """The alert p-value for an operator: most windows alerted with window precision at
    least WANTED_PRECISION on ``files`` (F0.5 of precision and window recall when no
    candidate reaches it)."""
    rows = []
    for candidate in candidates:
        figures = window_precision_recall(files, rescored_alerts(results, scored_at, candidate))
        precision, recall = figures["precision"] or 0.0, figures["recall"] or 0.0
        f_half = (1.25 * precision * recall / (0.25 * precision + recall)
                  if precision + recall else 0.0)
        rows.append((candidate, precision, recall, f_half))
    reaching = [row for row in rows if row[1] >= WANTED_PRECISION]
    if reaching:
        best = max(reaching, key=lambda row: (row[2], row[1]))
        rule = f"recall at precision >= {WANTED_PRECISION}"
    else:
        best = max(rows, key=lambda row: row[3])
        rule = "F0.5"
    return {"alert_pvalue": best[0], "rule": rule, "precision": best[1], "recall": best[2],
            "f_half": round(best[3], 3)}


def alert_pvalue_loco(files: list[CorpusFile], results: dict, scored_at: float) -> dict:
    """Per category: the alert p-value chosen on the OTHER categories and the held-out
    window precision/recall it gives; and the choice on all categories (the default)."""
    out = {}
    for held_out, others, mine in held_out_folds(files):
        chosen = choose_alert_pvalue(others, results, scored_at)
        held = window_precision_recall(
            mine, rescored_alerts(results, scored_at, chosen["alert_pvalue"]))
        out[held_out] = {"alert_pvalue": chosen["alert_pvalue"], "rule": chosen["rule"],
                         "precision": held["precision"], "recall": held["recall"],
                         "alerts": held["alerts"], "windows": held["windows"]}
    return {"held_out": out, "on_all": choose_alert_pvalue(files, results, scored_at)}
