"""Published NAB detectors re-implemented for the bench, scored beside `healer-ops detect`.

Each module has ``score_series(values) -> scores`` for one file, run the way NAB v1.1 runs
it (including NAB's whole-file min and max where the detector uses them: these are
anchors, not candidates for the product). ``DETECTORS`` maps the results name to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.reference import cad_ose, relative_entropy

DETECTORS = {"cadose": cad_ose.score_series, "relativeEntropy": relative_entropy.score_series}


def score_with_gaps(name: str, values: np.ndarray) -> np.ndarray:
    """NAB files have no missing values; on a series with some (the synthetic gappy
    family), the detector sees the last known value instead and a missing row scores 0."""
    values = np.asarray(values, dtype=float)
    missing = ~np.isfinite(values)
    if not missing.any():
        return DETECTORS[name](values)
    filled = pd.Series(values).ffill().bfill().fillna(0.0).to_numpy()
    return np.where(missing, 0.0, DETECTORS[name](filled))
