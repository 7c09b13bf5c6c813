"""`healer-ops detect`: the engine's score and alert column for one univariate series.

The score of row t uses rows 0..t only; how it is computed is the engine's business
(``healer_ops.detect.engine``). The alert column is the engine's decision: 1 on the row
where a problem is first detected (score >= 0.5), one detection per problem.
"""

from __future__ import annotations

import numpy as np

from healer_ops.detect import engine
from healer_ops.detect.engine import ALERT_SCORE, DEFAULT_CONFIG, EngineConfig

__all__ = ["ALERT_SCORE", "DEFAULT_CONFIG", "EngineConfig", "alerts", "score_series"]


def score_series(values: np.ndarray, timestamps,
                 config: EngineConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Anomaly score in [0, 1] for every row, strictly causal (row t sees rows <= t)."""
    return engine.score_series(values, timestamps, config=config).score


def alerts(scores: np.ndarray) -> np.ndarray:
    """0/1 alert per row: score >= 0.5 (the combined p-value reached the alert p-value)."""
    return (np.asarray(scores) >= ALERT_SCORE).astype(int)
