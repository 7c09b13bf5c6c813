"""Checks every exam-family module must pass (``exam_families_r3`` to ``exam_families_r5``):
the same seed gives the same files, and the files build a validation corpus."""

from __future__ import annotations

import numpy as np

from healer_ops.devkit.nab import validate
from healer_ops.devkit.nab.synthetic import generate_any


def check_deterministic_per_seed(module, family: str, generated: dict) -> None:
    """`generated`: {(family, seed): files} for seeds 1 and 2."""
    again = module.generate(family, 1)
    for first, second in zip(generated[(family, 1)], again, strict=True):
        assert first.name == second.name
        assert (first.timestamps == second.timestamps).all()
        np.testing.assert_array_equal(first.values, second.values)
        assert first.anomaly_rows == second.anomaly_rows
        assert first.anomaly_kinds == second.anomaly_kinds
    other = generated[(family, 2)]
    assert any(len(a.values) != len(b.values) or not np.array_equal(a.values, b.values,
                                                                     equal_nan=True)
               for a, b in zip(generated[(family, 1)], other, strict=True))


def check_builds_a_validation_corpus(module, family: str) -> None:
    assert [s.name for s in generate_any(family, 1)] == [
        s.name for s in module.generate(family, 1)]
    corpus = validate.synthetic_corpus((family,), (1,))
    assert len(corpus) == module.FILES_PER_FAMILY[family]
    for f in corpus:
        assert f.category == f"{family}1" and len(f.stamps) == len(f.values)
        assert all(len(window) == 2 and window[0] <= window[1] for window in f.windows)
