"""Relative entropy detector (Wang et al. 2011) as NAB v1.1 runs it (published standard 54.6).

A re-implementation of NAB's ``relativeEntropy`` detector: the last ``W = 52`` values are
quantized into 5 bins of the file's [min, max] range (whole file, as NAB provides it: not
causal, kept as published); the histogram of the window is compared with every stored
hypothesis by ``2 W KL(window || hypothesis)`` against the chi-squared 0.99 point with 4
degrees of freedom. No hypothesis agrees: score 1 and the window becomes a new hypothesis;
the agreeing one with the smallest statistic has been seen at most ``c_th = 1`` time
before: score 1; otherwise 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

BINS = 5
WINDOW = 52
AGREEMENT_THRESHOLD = 1


def score_series(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    low, high = float(np.min(values)), float(np.max(values))
    step = (high - low) / BINS
    scores = np.zeros(len(values))
    if step == 0.0:  # a constant file: nothing is anomalous
        return scores
    limit = stats.chi2.isf(0.01, BINS - 1)
    levels = np.array([math.ceil((value - low) / step) for value in values])
    hypotheses: list[np.ndarray] = []
    counts: list[int] = []
    for row in range(WINDOW - 1, len(values)):
        window = levels[row - WINDOW + 1:row + 1]
        frequencies = np.histogram(window, bins=BINS, range=(0, BINS), density=True)[0]
        if not hypotheses:
            hypotheses.append(frequencies)
            counts.append(1)
            continue
        statistic = 2 * WINDOW * special.rel_entr(frequencies, np.array(hypotheses)).sum(axis=1)
        agreeing = np.flatnonzero(statistic < limit)  # first of the smallest, as the loop did
        best = int(agreeing[np.argmin(statistic[agreeing])]) if len(agreeing) else -1
        if best == -1:
            scores[row] = 1.0
            hypotheses.append(frequencies)
            counts.append(1)
        else:
            counts[best] += 1
            if counts[best] <= AGREEMENT_THRESHOLD:
                scores[row] = 1.0
    return scores
