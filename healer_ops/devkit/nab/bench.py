"""`healer-ops bench nab`: run the series detector over a NAB folder and score it.

Writes ``RESULTS/<category>/<NAME>_<file>.csv`` for every file listed in
``labels/combined_windows.json``, then scores the folder with NAB's scoring script
(``nab_score.py``, run as its own process exactly as a reviewer would) and, optionally,
estimates generalization by leave-one-category-out: the threshold is optimized on the other
categories and applied to the held-out one.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from healer_ops.detect import series as detector
from healer_ops.detect.series_io import detect_file, read_series
from healer_ops.settings import PROJECT_ROOT

SHARED_DIR = PROJECT_ROOT.parent / "shared"
DEFAULT_NAB_DIR = SHARED_DIR / "data" / "nab"
DEFAULT_SCORER = SHARED_DIR / "tools" / "nab_score.py"


def labelled_files(nab_dir: Path) -> list[str]:
    """``<category>/<file>.csv`` of every file with label windows, sorted."""
    windows = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    return sorted(windows)


def run_detector(nab_dir: Path, results_dir: Path, name: str,
                 config: detector.EngineConfig = detector.DEFAULT_CONFIG) -> dict:
    """Detect on every labelled file; returns files, rows and seconds (reading+writing included)."""
    if "_" in name:
        raise ValueError(f"detector name {name!r} must not contain '_' (NAB splits on it)")
    started, rows, slowest = time.perf_counter(), 0, (0.0, "")
    for rel in labelled_files(nab_dir):
        category, file_name = rel.split("/")
        file_started = time.perf_counter()
        counts = detect_file(nab_dir / "data" / rel,
                             results_dir / category / f"{name}_{file_name}", config)
        rows += counts["rows"]
        slowest = max(slowest, (time.perf_counter() - file_started, rel))
    return {"files": len(labelled_files(nab_dir)), "rows": rows,
            "seconds": round(time.perf_counter() - started, 2),
            "slowest_file": slowest[1], "slowest_file_seconds": round(slowest[0], 2)}


def run_reference(nab_dir: Path, results_dir: Path, name: str) -> dict:
    """Score every labelled file with a published detector re-implemented in ``reference``
    (as NAB runs it: whole-file min and max where it uses them); same files as
    ``run_detector``, ``anomaly_score`` only."""
    from healer_ops.devkit.nab.reference import DETECTORS

    started = time.perf_counter()
    for rel in labelled_files(nab_dir):
        category, file_name = rel.split("/")
        series = read_series(nab_dir / "data" / rel)
        scores = DETECTORS[name](series.values)
        target = results_dir / category / f"{name}_{file_name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", newline="", encoding="utf-8") as handle:
            handle.write("timestamp,value,anomaly_score\n")
            for stamp, value, score in zip(series.timestamp_text, series.value_text, scores,
                                           strict=True):
                handle.write(f"{stamp},{value},{score:.6f}\n")
    return {"files": len(labelled_files(nab_dir)),
            "seconds": round(time.perf_counter() - started, 2)}


def alert_figures(nab_dir: Path, results_dir: Path, name: str) -> dict:
    """The alert column judged against the labelled windows, per category and overall:
    precision = alerts (after the first 15% of each file) inside a window / alerts,
    recall = windows with an alert / windows."""
    from healer_ops.devkit.nab.validate import load_nab, window_precision_recall

    files = load_nab(nab_dir)
    results = {}
    for f in files:
        category, file_name = f.rel.split("/")
        with open(results_dir / category / f"{name}_{file_name}", newline="") as handle:
            alerts = [int(row["alert"]) for row in csv.DictReader(handle)]
        results[f.rel] = (None, np.array(alerts))
    out = {category: window_precision_recall([f for f in files if f.category == category],
                                             results)
           for category in sorted({f.category for f in files})}
    out["all"] = window_precision_recall(files, results)
    return out


def score_results(nab_dir: Path, results_dir: Path, name: str, scorer: Path) -> dict:
    """Run NAB's scoring script on the results; returns its JSON for ``name`` (per profile)."""
    completed = subprocess.run(
        [sys.executable, str(scorer), "--nab", str(nab_dir), "--results", str(results_dir),
         "-d", name], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)[name]


def _load_scorer(scorer: Path):
    spec = importlib.util.spec_from_file_location("nab_score", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def leave_one_category_out(nab_dir: Path, results_dir: Path, name: str, scorer: Path,
                           profile: str = "standard") -> dict:
    """Per category: its score at the threshold optimized on the OTHER categories.

    A category without windows (artificialNoAnomaly) has no normalized score; its false
    positive rows are what matters there.
    """
    nab_score = _load_scorer(scorer)
    files, _ = nab_score.load(str(nab_dir), str(results_dir), name)
    weights = nab_score.PROFILES[profile]
    categories = sorted({rel.split("/")[0] for rel, *_ in files})
    out = {}
    for held_out in categories:
        train = [f for f in files if f[0].split("/")[0] != held_out]
        test = [f for f in files if f[0].split("/")[0] == held_out]
        train_windows = sum(len(f[3]) for f in train)
        test_windows = sum(len(f[3]) for f in test)
        threshold = nab_score.evaluate(train, train_windows, weights)["threshold"]
        held = nab_score.evaluate(test, max(test_windows, 1), weights, threshold)
        own = nab_score.evaluate(test, max(test_windows, 1), weights)
        out[held_out] = {
            "threshold_from_others": round(threshold, 4),
            "normalized": round(held["normalized"], 1) if test_windows else None,
            "normalized_own_threshold": round(own["normalized"], 1) if test_windows else None,
            "windows_detected": held["windows_detected"], "windows_total": test_windows,
            "fp_rows": held["fp_rows"]}
    return out


def synthetic_report(corpus_dir: Path, results_dir: Path, name: str, scorer: Path,
                     seeds: tuple[int, ...] = (1, 2, 3), nab_dir: Path = DEFAULT_NAB_DIR,
                     profile: str = "standard") -> dict:
    """Score the detector on synthetic corpora of the NAB kinds that are not local.

    Per seed, the local labelled files plus that seed's synthetic AWS-, ad exchange- and
    traffic-like files are scored together with ONE threshold optimized over all of them
    (as the real evaluation does over seen and unseen files); reported per seed: the
    combined normalized score, and per synthetic kind its score, windows detected and false
    positive rows at that threshold.
    """
    from healer_ops.devkit.nab.synthetic import KINDS, write_corpus

    write_corpus(corpus_dir, seeds, nab_dir)
    run = run_detector(corpus_dir, results_dir, name)
    nab_score = _load_scorer(scorer)
    files, _ = nab_score.load(str(corpus_dir), str(results_dir), name)
    weights = nab_score.PROFILES[profile]
    local = [f for f in files if not f[0].startswith("synth")]

    def windows(subset):
        return max(1, sum(len(f[3]) for f in subset))

    report = {"run": run, "seeds": {}}
    for seed in seeds:
        unseen = [f for f in files if f[0].split("/")[0] in {f"{k}{seed}" for k in KINDS}]
        together = local + unseen
        overall = nab_score.evaluate(together, windows(together), weights)
        figures = {"threshold": round(overall["threshold"], 4),
                   "combined": round(overall["normalized"], 1)}
        for kind in KINDS:
            subset = [f for f in unseen if f[0].startswith(f"{kind}{seed}/")]
            held = nab_score.evaluate(subset, windows(subset), weights, overall["threshold"])
            figures[kind] = {"normalized": round(held["normalized"], 1),
                             "windows_detected": held["windows_detected"],
                             "windows_total": sum(len(f[3]) for f in subset),
                             "fp_rows": held["fp_rows"]}
        report["seeds"][seed] = figures
    return report
