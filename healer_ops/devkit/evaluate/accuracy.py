"""Honest figures for the local analyzer: cross-validation on the dev corpus and the whole
corpus, accuracy per type, calibration (`healer-ops bench accuracy`, report.py).

Cross-validation is over the dev corpus: each held-out dev example is scored by a model fitted
on the written examples plus the OTHER dev folds, never on itself (nor on a written example
with the same text).
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from healer_ops.analysis.corpus import DEV_CORPUS, CorpusError, Example, load_corpus, split_dev
from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.analysis.training import (
    DEFAULT_STRATEGY,
    SEED,
    STRATEGIES,
    FittedModel,
    Prediction,
    fit,
)


@dataclass(frozen=True)
class Fold:
    number: int
    train: tuple[Example, ...]  # written examples + the other dev folds
    test: tuple[Example, ...]  # held-out dev examples


def _same_text(a: str) -> str:
    return re.sub(r"\s+", " ", a).strip().lower()


def dev_folds(dev: list[Example], written: list[Example], k: int = 5,
              seed: int = SEED) -> list[Fold]:
    """Stratified folds over the dev examples. A fold trains on every written example and the
    dev examples of the other folds; written examples whose text equals a held-out log are
    left out too."""
    labels = [e.diagnosis_type for e in dev]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # types rarer than k are spread over as many folds as they go
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(dev)), labels))
    folds = []
    for number, (train_index, test_index) in enumerate(splits):
        test = tuple(dev[i] for i in test_index)
        held_out_text = {_same_text(e.log) for e in test}
        train = tuple(e for e in written if _same_text(e.log) not in held_out_text)
        train += tuple(dev[i] for i in train_index)
        folds.append(Fold(number, train, test))
    return folds


@dataclass
class ScoredExample:
    example: Example
    prediction: Prediction
    fold: int
    abstention_confidence: float = 0.0  # the confidence of answering UNKNOWN instead


def cross_validate(examples: list[Example] | None = None, k: int = 5, seed: int = SEED,
                   strategies: tuple[str, ...] = STRATEGIES,
                   on_fold: Callable[[Fold, FittedModel], None] | None = None
                   ) -> dict[str, list[ScoredExample]]:
    """Out-of-fold predictions on the dev corpus for each strategy; `on_fold(fold, model)`
    gets each fold's model (to score other variants of its held-out examples)."""
    examples = examples if examples is not None else load_corpus()
    dev, written = split_dev(examples)
    if not dev:
        raise CorpusError(f"no dev examples ({DEV_CORPUS.name}) in the corpus")
    scored: dict[str, list[ScoredExample]] = {s: [] for s in strategies}
    for fold in dev_folds(dev, written, k, seed):
        model = fit(list(fold.train), with_text_model="classifier" in strategies)
        logs = [e.log for e in fold.test]
        for strategy in strategies:
            for example, prediction in zip(fold.test, model.predict(logs, strategy), strict=True):
                scored[strategy].append(ScoredExample(
                    example, prediction, fold.number, model.abstention_confidence(prediction)))
        if on_fold is not None:
            on_fold(fold, model)
    order = {e.id: i for i, e in enumerate(dev)}
    for values in scored.values():
        values.sort(key=lambda s: order[s.example.id])
    return scored


def corpus_cross_validate(examples: list[Example] | None = None, k: int = 5, seed: int = SEED,
                          strategies: tuple[str, ...] = ("classifier", DEFAULT_STRATEGY)
                          ) -> dict[str, list[ScoredExample]]:
    """Out-of-fold predictions over the WHOLE corpus (written and dev): how the classifier
    does on examples it did not see. The rules were written with the corpus in view, so the
    rules' share of these figures is optimistic."""
    examples = examples if examples is not None else load_corpus()
    labels = [e.diagnosis_type for e in examples]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    scored: dict[str, list[ScoredExample]] = {s: [] for s in strategies}
    for number, (train, test) in enumerate(splitter.split(np.zeros(len(examples)), labels)):
        model = fit([examples[i] for i in train], with_text_model="classifier" in strategies)
        held_out = [examples[i] for i in test]
        for strategy in strategies:
            predictions = model.predict([e.log for e in held_out], strategy)
            scored[strategy] += [ScoredExample(e, p, number, model.abstention_confidence(p))
                                 for e, p in zip(held_out, predictions, strict=True)]
    return scored


def metrics(scored: list[ScoredExample], bins: int = 10) -> dict:
    """Accuracy (overall, per type, with alt labels), Brier scores and a reliability table."""
    n = len(scored)
    correct = [s.prediction.diagnosis_type == s.example.diagnosis_type for s in scored]
    correct_alt = [c or s.prediction.diagnosis_type == s.example.alt_diagnosis_type
                   for c, s in zip(correct, scored, strict=True)]
    per_type: dict[str, dict] = defaultdict(lambda: {"n": 0, "correct": 0})
    for s, ok in zip(scored, correct, strict=True):
        per_type[s.example.diagnosis_type]["n"] += 1
        per_type[s.example.diagnosis_type]["correct"] += int(ok)
    for values in per_type.values():
        values["accuracy"] = round(values["correct"] / values["n"], 4)
    confidences = np.array([s.prediction.confidence for s in scored])
    outcomes = np.array(correct, dtype=float)
    multiclass = np.mean([
        sum((s.prediction.probabilities.get(t, 0.0) - (t == s.example.diagnosis_type)) ** 2
            for t in DIAGNOSIS_TYPES) for s in scored]) if n else 0.0
    return {
        "n": n,
        "accuracy": round(float(np.mean(correct)), 4) if n else 0.0,
        "accuracy_with_alt": round(float(np.mean(correct_alt)), 4) if n else 0.0,
        "per_type": dict(sorted(per_type.items())),
        "brier_confidence": round(float(np.mean((confidences - outcomes) ** 2)), 4) if n else 0.0,
        "brier_multiclass": round(float(multiclass), 4),
        "ece": round(_ece(confidences, outcomes, bins), 4),
        "reliability": reliability_table(confidences, outcomes, bins),
        "errors": [{"id": s.example.id, "label": s.example.diagnosis_type,
                    "alt": s.example.alt_diagnosis_type, "predicted": s.prediction.diagnosis_type,
                    "confidence": round(s.prediction.confidence, 3)}
                   for s, ok in zip(scored, correct, strict=True) if not ok],
    }


def reliability_table(confidences: np.ndarray, outcomes: np.ndarray, bins: int = 10
                      ) -> list[dict]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    table = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidences >= low) & ((confidences < high) | (high == 1.0))
        if inside.any():
            table.append({"bin": f"{low:.2f}-{high:.2f}", "n": int(inside.sum()),
                          "mean_confidence": round(float(confidences[inside].mean()), 4),
                          "accuracy": round(float(outcomes[inside].mean()), 4)})
    return table


def _ece(confidences: np.ndarray, outcomes: np.ndarray, bins: int) -> float:
    if not len(confidences):
        return 0.0
    total = 0.0
    for row in reliability_table(confidences, outcomes, bins):
        total += row["n"] * abs(row["mean_confidence"] - row["accuracy"])
    return total / len(confidences)
