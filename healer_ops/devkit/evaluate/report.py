"""The figures of `healer-ops bench accuracy`.

Every strategy's cross-validated metrics on the dev corpus (held-out dev examples, never
trained on) and on the whole corpus; calibration of rule and classifier decisions apart and
of the answers after abstention, with the accuracy at each abstention threshold; the noisy
stream built from each fold's held-out dev examples, scored by that fold's model (both halves
of the generator, the held-out half apart); and what the packaged model costs to fit.
"""

from __future__ import annotations

import time
from collections import Counter

from healer_ops.analysis.corpus import load_corpus, split_dev
from healer_ops.analysis.training import DEFAULT_STRATEGY, SEED, fit
from healer_ops.devkit.evaluate.accuracy import corpus_cross_validate, cross_validate, metrics
from healer_ops.devkit.evaluate.calibration import abstention_report


def accuracy_report(k: int = 5, seed: int = SEED, noisy_variants: int = 10,
                    threshold: float | None = None, repeats: int = 3) -> dict:
    """`repeats` whole-corpus cross-validations (seeds seed, seed+1, ...) pool their held-out
    decisions for the calibration figures: classifier decisions are few in one (about 50)."""
    from healer_ops.devkit.noise.crossval import NoisyFolds
    from healer_ops.settings import get_settings

    threshold = get_settings().abstain_below if threshold is None else threshold
    examples = load_corpus()
    dev, written = split_dev(examples)
    started = time.perf_counter()
    noisy = NoisyFolds(variants=noisy_variants) if noisy_variants else None
    scored = cross_validate(examples, k, seed, on_fold=noisy)
    corpus_scored = corpus_cross_validate(examples, k, seed)
    pooled = list(corpus_scored[DEFAULT_STRATEGY])
    for extra in range(1, repeats):
        pooled += corpus_cross_validate(examples, k, seed + extra,
                                        strategies=(DEFAULT_STRATEGY,))[DEFAULT_STRATEGY]
    report = {
        "corpus": {"dev": len(dev), "written": len(written),
                   "written_per_type": dict(sorted(Counter(e.diagnosis_type
                                                           for e in written).items()))},
        "folds": k, "seed": seed, "selected_strategy": DEFAULT_STRATEGY,
        "abstain_below": threshold,
        "strategies": {name: metrics(values) for name, values in scored.items()},
        "corpus_cv": {name: {key: value for key, value in metrics(values).items()
                             if key != "errors"}
                      for name, values in corpus_scored.items()},
        "calibration": {
            "dev_cv": abstention_report(scored[DEFAULT_STRATEGY], threshold),
            "corpus_cv": {"repeats": repeats,
                          **abstention_report(pooled, threshold)},
        },
        "noisy_dev_cv": noisy.report(threshold) if noisy else {},
        "cv_seconds": round(time.perf_counter() - started, 2),
    }
    started = time.perf_counter()
    fit(examples)
    report["fit_seconds_full_corpus"] = round(time.perf_counter() - started, 2)
    return report
