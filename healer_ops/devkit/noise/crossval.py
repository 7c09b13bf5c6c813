"""The noisy stream in cross-validation: each held-out dev example replayed with noise and
scored by the fold model that never trained on it (`healer-ops bench accuracy`).

Compared with the same fold model's diagnosis of the clean example: how often noise changes
the diagnosis, whether it ever makes one HEALTHY, accuracy against the label, and whether the
confidences stay calibrated under noise (per part of the generator: tune, held-out, fresh).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from healer_ops.devkit.bench.fleet_stream import SEED
from healer_ops.devkit.evaluate.accuracy import ScoredExample
from healer_ops.devkit.evaluate.calibration import _calibration, final_outputs
from healer_ops.devkit.noise.evaluate import noisy_stream
from healer_ops.devkit.noise.pool import PARTS


@dataclass
class NoisyFolds:
    """An `on_fold` callback for accuracy.cross_validate that scores noisy variants."""

    variants: int = 10
    parts: tuple[str, ...] = PARTS
    seed: int = SEED
    scored: dict[str, list[tuple[ScoredExample, str]]] = field(
        default_factory=lambda: defaultdict(list))  # part -> (noisy scored, clean type)

    def __call__(self, fold, model) -> None:
        by_id = {e.id: e for e in fold.test}
        clean = dict(zip(by_id, (p.diagnosis_type for p in model.predict(
            [e.log for e in fold.test])), strict=True))
        examples = [{"id": e.id, "log": e.log, "diagnosis_type": e.diagnosis_type}
                    for e in fold.test]
        for part in self.parts:
            stream = noisy_stream(examples, self.variants, part, self.seed + fold.number)
            predictions = model.predict([item.log for item in stream])
            for item, prediction in zip(stream, predictions, strict=True):
                scored = ScoredExample(by_id[item.fault_id], prediction, fold.number,
                                       model.abstention_confidence(prediction))
                self.scored[part].append((scored, clean[item.fault_id]))

    def report(self, threshold: float) -> dict:
        return {part: _part_report(values, threshold) for part, values in self.scored.items()}


def _part_report(values: list[tuple[ScoredExample, str]], threshold: float) -> dict:
    scored = [s for s, _ in values]
    n = len(values)
    differs = sum(s.prediction.diagnosis_type != clean for s, clean in values)
    return {
        "variants": n,
        "diagnosis_differs_share": round(differs / n, 4) if n else 0.0,
        "called_healthy": sum(s.prediction.diagnosis_type == "HEALTHY" for s in scored),
        "accuracy_vs_label": round(sum(s.prediction.diagnosis_type == s.example.diagnosis_type
                                       for s in scored) / n, 4) if n else 0.0,
        "calibration": {k: v for k, v in _calibration(
            [s.prediction.confidence for s in scored],
            [s.prediction.diagnosis_type == s.example.diagnosis_type for s in scored]).items()
            if k != "reliability"},
        "after_abstention": {k: v for k, v in final_outputs(scored, threshold).items()
                             if k != "reliability"},
    }
