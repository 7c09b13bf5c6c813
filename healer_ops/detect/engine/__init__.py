"""The detection engine shared by `healer-ops detect` and the fleet path.

Public API (see /work/helpers/detect-engine-API.md and the README): ``score_series``,
``score_new``, ``episodes``, ``Detection``, ``Episode``, ``EngineConfig``,
``DEFAULT_CONFIG``, ``ALERT_SCORE``, ``EVIDENCE``. Building blocks for fleet-only signals:
``calibrate`` and ``decide``.
"""

from healer_ops.detect.engine.config import DEFAULT_CONFIG, EngineConfig
from healer_ops.detect.engine.core import EVIDENCE, Detection, episodes, score_new, score_series
from healer_ops.detect.engine.decide import ALERT_SCORE, Episode

__all__ = ["ALERT_SCORE", "DEFAULT_CONFIG", "EVIDENCE", "Detection", "EngineConfig", "Episode",
           "episodes", "score_new", "score_series"]
