"""Former home of the series detector's building blocks, now in ``healer_ops.detect.engine``
(kept so existing imports keep working)."""

from healer_ops.detect.engine.calibrate import pvalue_to_score, tail_pvalues, two_sided_pvalues
from healer_ops.detect.engine.decide import silence_after_alerts, suppress_repeats
from healer_ops.detect.engine.statistics import (
    IQR_TO_SIGMA,
    mean_shift_zscore,
    robust_zscore,
    scale_floor,
    seasonal_difference,
)

__all__ = ["IQR_TO_SIGMA", "mean_shift_zscore", "pvalue_to_score", "robust_zscore",
           "scale_floor", "seasonal_difference", "silence_after_alerts", "suppress_repeats",
           "tail_pvalues", "two_sided_pvalues"]
