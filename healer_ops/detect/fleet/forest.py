"""The IsolationForest anomaly score of an alert (0-100), over hourly per-site features."""

from __future__ import annotations

import numpy as np

from healer_ops.detect.fleet.grid import Grid
from healer_ops.detect.fleet.rules import HOUR_S, Rules
from healer_ops.detect.fleet.signals import Signals, hourly_median, hourly_sum


class AnomalyScores:
    """IsolationForest over hourly per-site feature windows, fitted on a sample of the run's
    hours; a score is renormalized 0-100 against the sample's own scores, the history
    (Elastic-style, see renormalize), so 50 means "as unusual as the top 1% of hours"
    whether the site is quiet or noisy (the features are per-site robust z-scores)."""

    FEATURES = ("rt_z_cell", "ttfb_z_cell", "page_z_cell", "failure_cell")

    def __init__(self, grid: Grid, signals: Signals, rules: Rules):
        per_hour = HOUR_S // grid.step
        v = signals.values
        features = [hourly_median(v[k], per_hour) for k in self.FEATURES]
        n = hourly_sum(grid.n, per_hour)
        features.append(hourly_sum(grid.n_error, per_hour) / np.fmax(n, 1))
        features += [np.diff(f, axis=0, prepend=np.nan) for f in features[:3]]
        # an hour without answers (or before a baseline) has no z-scores: neutral 0 there,
        # its failure and error rates still speak
        stacked = np.nan_to_num(np.stack(features, axis=-1), nan=0.0)
        self.features = np.clip(stacked, -50, 50)  # hours x sites x k
        self.features[n == 0] = np.nan             # no observation at all: not scored
        self.per_hour, self.start = per_hour, grid.start
        self.forest, self.history = None, np.empty(0)
        usable = np.flatnonzero(np.isfinite(self.features).all(axis=-1).ravel())
        if usable.size < 50:
            return
        from sklearn.ensemble import IsolationForest

        rng = np.random.default_rng(0)
        sample = rng.choice(usable, min(usable.size, rules.forest_train_cells), replace=False)
        train = self.features.reshape(-1, self.features.shape[-1])[np.sort(sample)]
        self.forest = IsolationForest(n_estimators=rules.forest_trees, random_state=0)
        self.forest.fit(train)
        self.history = np.sort(-self.forest.score_samples(train))

    def hours_of(self, cells: slice) -> slice:
        """The hours (rows of `features`) that the cells of a span fall in."""
        first = (cells.start + self.start % self.per_hour) // self.per_hour
        last = (cells.stop - 1 + self.start % self.per_hour) // self.per_hour
        return slice(first, last + 1)

    def max_scores(self, requests: list[tuple[slice, int]]) -> list[float | None]:
        """For each (cells, site), the highest renormalized score of the site's hours that
        the cells fall in (one IsolationForest call for all of them)."""
        if self.forest is None or not requests:
            return [None] * len(requests)
        blocks = []
        for cells, site in requests:
            rows = self.features[self.hours_of(cells), site]
            blocks.append(rows[np.isfinite(rows).all(axis=-1)])
        sizes = [len(b) for b in blocks]
        if not sum(sizes):
            return [None] * len(requests)
        scores = renormalize(-self.forest.score_samples(np.concatenate(blocks)), self.history)
        out, pos = [], 0
        for size in sizes:
            out.append(float(scores[pos:pos + size].max()) if size else None)
            pos += size
        return out


def renormalize(scores: np.ndarray, history: np.ndarray, top_share: float = 0.01) -> np.ndarray:
    """0-100 scores of raw anomaly scores against their sorted history: the share of the
    history at least as anomalous, mapped like the series detector's p-values (the top 1%
    scores 50, the top 0.01% 75; the order of the evidence is kept)."""
    from healer_ops.detect.series_stats import pvalue_to_score

    count = len(history)
    share = (count - np.searchsorted(history, scores, side="left") + 1) / (count + 1)
    return 100.0 * pvalue_to_score(share, top_share)
