"""Calibration: any statistic -> a p-value against its own history -> a score in [0, 1].

A p-value of a statistic against the statistic's own earlier values means the same on a
quiet and a noisy series, so one threshold serves every series (Elastic's renormalization
and HTM's anomaly likelihood serve the same purpose). All functions are causal.
"""

from __future__ import annotations

import numpy as np

MIN_EXCEEDANCES = 10  # fewer points above the threshold cannot fit a tail
CENSOR_MAX_SHARE = 0.02  # censored rows beyond this share of a history are routine: kept


def _lowered_to_the_tail(share: np.ndarray, earlier: np.ndarray, block: np.ndarray,
                         quantile: float) -> np.ndarray:
    """`share` (of sorted history `earlier` at or above each of `block`), lowered above the
    history's `quantile` to an exponential tail fitted to the excesses over it, when there
    are enough of them to fit."""
    count = len(earlier)
    threshold = earlier[int(quantile * (count - 1))]
    excess = earlier[earlier > threshold] - threshold
    if len(excess) < MIN_EXCEEDANCES:
        return share
    scale = max(float(excess.mean()), 1e-12)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tail = len(excess) / count * np.exp(-(block - threshold) / scale)
    return np.where(block > threshold, np.minimum(share, tail), share)


def history_before(stat: np.ndarray, kept: np.ndarray, start: int, history: int
                   ) -> np.ndarray:
    """The sorted finite values of the ``history`` rows before ``start``, without the rows
    not ``kept`` (censored) unless those are more than ``CENSOR_MAX_SHARE`` of them."""
    first = max(0, start - history)
    earlier, mask = stat[first:start], kept[first:start]
    # a few censored rows are left out; with none (the default) the slice is not copied,
    # with many they are the series' routine and stay
    if 0 < (~mask).sum() <= CENSOR_MAX_SHARE * len(mask):
        earlier = earlier[mask]
    return np.sort(earlier[np.isfinite(earlier)])


def tail_pvalues(stat: np.ndarray, quantile: float = 0.98, refit_every: int = 100,
                 history: int = 8640, warmup: int = 200, censor: float = 0.0) -> np.ndarray:
    """One-sided p-value of each value of ``stat`` against the earlier values (causal).

    Every ``refit_every`` rows the earlier ``history`` values are sorted; a value's p is the
    smaller of its empirical upper-tail frequency ``(#earlier >= x + 1) / (N + 1)`` and, above
    the ``quantile`` threshold u, the exponential (generalized Pareto, shape 0) tail
    ``k/N exp(-(x-u)/beta)`` fitted to the k exceedances, which extrapolates beyond the
    largest value seen (peaks over threshold). p = 1 for NaN and until ``warmup`` rows and
    ``warmup // 2`` finite values exist. Rows with p below ``censor`` teach later rows
    nothing (``history_before``).
    """
    stat = np.asarray(stat, dtype=float)
    n = len(stat)
    pvalues = np.ones(n)
    kept = np.ones(n, dtype=bool)
    for start in range(warmup, n, refit_every):
        earlier = history_before(stat, kept, start, history)
        if len(earlier) < max(warmup // 2, 1):
            continue
        block = stat[start:start + refit_every]
        count = len(earlier)
        empirical = (count - np.searchsorted(earlier, block, side="left") + 1) / (count + 1)
        empirical = _lowered_to_the_tail(empirical, earlier, block, quantile)
        pvalues[start:start + refit_every] = np.where(np.isfinite(block), empirical, 1.0)
        kept[start:start + refit_every] = pvalues[start:start + refit_every] >= censor
    return pvalues


def two_sided_pvalues(z: np.ndarray, **tail_kwargs) -> np.ndarray:
    """Two-sided calibrated p-values of a signed statistic (each side has its own tail)."""
    upper = tail_pvalues(z, **tail_kwargs)
    lower = tail_pvalues(-np.asarray(z, dtype=float), **tail_kwargs)
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def pvalue_to_score(pvalues: np.ndarray, alert_pvalue: float) -> np.ndarray:
    """Map p-values to scores in [0, 1): ``1 - 0.5 ** (log p / log alert_pvalue)``.

    p = 1 -> 0, p = alert_pvalue -> 0.5, p = alert_pvalue^2 -> 0.75, p -> 0 -> 1: monotone,
    so the order of the evidence is kept, and 0.5 is the alert threshold on every series.
    """
    surprise = np.log(np.clip(pvalues, 1e-300, 1.0)) / np.log(alert_pvalue)
    return 1.0 - np.power(0.5, surprise)


def score_to_pvalue(scores: np.ndarray, alert_pvalue: float) -> np.ndarray:
    """The inverse of ``pvalue_to_score`` (a score of 1 reads as the smallest p it can)."""
    scores = np.minimum(np.asarray(scores, dtype=float), 1 - 1e-15)
    with np.errstate(divide="ignore"):
        return alert_pvalue ** (np.log1p(-scores) / np.log(0.5))


def combine(pvalues: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Weighted Bonferroni: ``min_i p_i / w_i`` (weights sum to at most 1), clipped to 1.

    Valid whatever the dependence between the statistics: the false-alarm rate of the
    combination is at most the sum of its parts' shares.
    """
    combined = np.ones(len(pvalues[0]))
    for pvalue, weight in zip(pvalues, weights, strict=True):
        if weight > 0:
            combined = np.minimum(combined, np.asarray(pvalue) / weight)
    return np.minimum(1.0, combined)


def shrunk_pvalues(stat: np.ndarray, prior: np.ndarray, pseudo_count: float = 30.0,
                   quantile: float = 0.98, refit_every: int = 50,
                   history: int = 8640, censor: float = 0.0) -> np.ndarray:
    """One-sided p of each value of ``stat`` (larger = more anomalous), valid from row one.

    A model p-value ``prior`` (e.g. a heavy-tailed t distribution for a robust z) counts as
    ``pseudo_count`` earlier observations; the series' own history (the ``history`` rows
    before, refitted every ``refit_every`` rows) takes over as it grows:
    ``p = (N * q(x) + c * prior) / (N + c)`` where ``q(x)`` is the share of the N earlier
    values at least as large, with an exponential tail fitted above the ``quantile``
    threshold (peaks over threshold), so a value larger than any seen still gets a p below
    ``1/N``. With little history the model speaks; with a lot, the series' own frequencies
    do, so a statistic that is routinely large on this series stops alerting. With
    ``censor``, a value whose p fell below it is left out of the later rows' history (an
    anomaly is not the series' routine: the second spam wave is as surprising as the first),
    unless such values are more than ``CENSOR_MAX_SHARE`` of it (then they are routine).
    """
    stat = np.asarray(stat, dtype=float)
    prior = np.asarray(prior, dtype=float)
    n = len(stat)
    pvalues = np.ones(n)
    kept = np.ones(n, dtype=bool)
    for start in range(0, n, refit_every):
        block = stat[start:start + refit_every]
        earlier = history_before(stat, kept, start, history)
        count = len(earlier)
        share = np.zeros(len(block))
        if count:
            share = (count - np.searchsorted(earlier, block, side="left")) / count
            share = _lowered_to_the_tail(share, earlier, block, quantile)
        p = (count * share + pseudo_count * prior[start:start + refit_every]) / (
            count + pseudo_count)
        pvalues[start:start + refit_every] = np.where(np.isfinite(block), p, 1.0)
        kept[start:start + refit_every] = pvalues[start:start + refit_every] >= censor
    return np.clip(pvalues, 1e-300, 1.0)
