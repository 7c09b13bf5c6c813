"""The detection engine shared by `healer-ops detect` and the fleet path.

Public API: ``score_series`` (one series, strictly causal: row t sees rows <= t),
``score_new`` (the rows from an index on, the rows before as history), ``episodes`` (the
detected problems of a scored series), ``Detection`` (per row: ``score`` in [0, 1) with 0.5 at
the alert p-value, ``pvalue``, ``alert`` 0/1, ``active`` while an episode lasts,
``direction`` -1/0/+1, ``evidence`` a code of ``EVIDENCE``, ``expected`` value), ``Episode``,
``EngineConfig``, ``DEFAULT_CONFIG``, ``ALERT_SCORE``, ``EVIDENCE``. Building blocks for
fleet-only signals: ``calibrate`` and ``decide``. core.py explains the evidence.
"""

from healer_ops.detect.engine.config import DEFAULT_CONFIG, EngineConfig
from healer_ops.detect.engine.core import EVIDENCE, Detection, episodes, score_new, score_series
from healer_ops.detect.engine.decide import ALERT_SCORE, Episode

__all__ = ["ALERT_SCORE", "DEFAULT_CONFIG", "EVIDENCE", "Detection", "EngineConfig", "Episode",
           "episodes", "score_new", "score_series"]
