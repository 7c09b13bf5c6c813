"""Calibration and abstention on held-out folds (`healer-ops bench accuracy`).

- `by_decision`: reliability curve and expected calibration error (ECE) of the confidences
  of rule decisions and classifier decisions apart;
- `final_outputs`: what the analyzer answers after abstaining (UNKNOWN with the abstention's
  confidence under the threshold), scored like any answer;
- `coverage_table`: accuracy of the answered logs at each threshold, how many abstain, and
  the accuracy of all answers when an abstention counts as UNKNOWN.
"""

from __future__ import annotations

import numpy as np

from healer_ops.devkit.evaluate.accuracy import ScoredExample, _ece, reliability_table

THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BINS = 10


def _calibration(confidences: list[float], outcomes: list[bool]) -> dict:
    conf, out = np.array(confidences, dtype=float), np.array(outcomes, dtype=float)
    return {"n": len(conf),
            "accuracy": round(float(out.mean()), 4) if len(out) else 0.0,
            "mean_confidence": round(float(conf.mean()), 4) if len(conf) else 0.0,
            "ece": round(_ece(conf, out, BINS), 4),
            # with few decisions (the classifier's: about 50 logs) 10 bins measure mostly noise
            "ece_5_bins": round(_ece(conf, out, 5), 4),
            "ece_floor": ece_floor(conf, BINS),
            "ece_5_bins_floor": ece_floor(conf, 5),
            "reliability": reliability_table(conf, out, BINS)}


def ece_floor(confidences: np.ndarray, bins: int, draws: int = 200, seed: int = 0) -> float:
    """The ECE that perfectly calibrated confidences would still show on this many decisions
    (outcomes drawn with the confidences' own probabilities): an ECE near it is sampling
    noise, not miscalibration."""
    if not len(confidences):
        return 0.0
    rng = np.random.default_rng(seed)
    return round(float(np.mean([_ece(confidences, (rng.random(len(confidences)) < confidences)
                                     .astype(float), bins) for _ in range(draws)])), 4)


def by_decision(scored: list[ScoredExample]) -> dict:
    """Calibration of the raw decisions, rules and classifier apart."""
    groups: dict[str, tuple[list[float], list[bool]]] = {"rules": ([], []),
                                                          "classifier": ([], [])}
    for s in scored:
        confidences, outcomes = groups[s.prediction.decided_by]
        confidences.append(s.prediction.confidence)
        outcomes.append(s.prediction.diagnosis_type == s.example.diagnosis_type)
    return {name: _calibration(*values) for name, values in groups.items()}


def final_answer(s: ScoredExample, threshold: float) -> tuple[str, float]:
    """(type, confidence) the analyzer answers: UNKNOWN under the threshold."""
    p = s.prediction
    if p.confidence < threshold and p.diagnosis_type != "UNKNOWN":
        return "UNKNOWN", s.abstention_confidence
    return p.diagnosis_type, p.confidence


def final_outputs(scored: list[ScoredExample], threshold: float) -> dict:
    """Calibration and accuracy of the answers after abstention."""
    answers = [final_answer(s, threshold) for s in scored]
    report = _calibration([c for _, c in answers], [t == s.example.diagnosis_type
                                                    for (t, _), s in zip(answers, scored,
                                                                         strict=True)])
    report["abstained"] = sum(1 for s in scored if s.prediction.confidence < threshold
                              and s.prediction.diagnosis_type != "UNKNOWN")
    return report


def coverage_table(scored: list[ScoredExample], thresholds: tuple[float, ...] = THRESHOLDS
                   ) -> list[dict]:
    """Per threshold: coverage, accuracy of the answered logs, abstentions, and the accuracy
    of every answer (an abstention answers UNKNOWN)."""
    rows = []
    for threshold in thresholds:
        answered = [s for s in scored if s.prediction.confidence >= threshold]
        right = sum(s.prediction.diagnosis_type == s.example.diagnosis_type for s in answered)
        final = sum(final_answer(s, threshold)[0] == s.example.diagnosis_type for s in scored)
        rows.append({
            "threshold": threshold,
            "coverage": round(len(answered) / len(scored), 4) if scored else 0.0,
            "answered": len(answered),
            "answered_accuracy": round(right / len(answered), 4) if answered else None,
            "abstained": len(scored) - len(answered),
            "abstained_labelled_unknown": sum(s.example.diagnosis_type == "UNKNOWN"
                                              for s in scored
                                              if s.prediction.confidence < threshold),
            "accuracy_with_abstentions": round(final / len(scored), 4) if scored else 0.0,
        })
    return rows


def abstention_report(scored: list[ScoredExample], threshold: float) -> dict:
    return {"by_decision": by_decision(scored),
            "final_outputs": final_outputs(scored, threshold),
            "coverage": coverage_table(scored)}
