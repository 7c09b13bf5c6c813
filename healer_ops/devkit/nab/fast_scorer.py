"""NAB's standard scoring in memory, vectorized: the same figures as ``nab_score.py``.

The sweep value of every row (its reward inside a window, its cost outside) does not depend
on the detector's scores, so ``FastScorer`` computes it once per corpus with the scorer's own
``sweep_file``. Scoring one detector's results is then a sort and a few cumulative sums
(``Ranked``): the rows in order of score, each with the change it brings to NAB's total when
the threshold falls to its score.

A row outside every window always costs its sweep; a row inside a window adds what it
improves on the best row of its window ranked before it. Both depend only on the row's own
window, so the rows of any subset of files, kept in the same order, keep their changes:
``Ranked.subset`` is a mask over one sort, which is what makes scoring every held-out fold of
every variant cheap (``validate.select_then_hold_out``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class FastScorer:
    def __init__(self, scorer, files: list, profile: str = "standard"):
        """``scorer`` is the loaded ``nab_score`` module; ``files`` have ``rel``,
        ``stamps`` and ``windows`` (``validate.CorpusFile``)."""
        self.weights = scorer.PROFILES[profile]
        self.files = {f.rel: f for f in files}
        self.sweeps = {}
        for f in files:
            rows = scorer.sweep_file(f.rel, f.stamps, [0.0] * len(f.stamps), f.windows,
                                     self.weights)
            offset = len(f.stamps) - len(rows)  # probation rows are not scored
            sweep = np.array([row[1] for row in rows])
            window = np.array([row[2] or "" for row in rows], dtype=object)
            self.sweeps[f.rel] = (offset, sweep, window)

    def evaluate(self, rels: list[str], results: dict, threshold: float | None = None
                 ) -> dict:
        """NAB's figures of ``rels`` (``results``: {rel: (scores, alerts)}), at the
        threshold optimized on them unless given."""
        return self.ranked(rels, results).evaluate(threshold)

    def ranked(self, rels: list[str], results: dict) -> Ranked:
        scores, sweeps, windows, owners = [], [], [], []
        for index, rel in enumerate(rels):
            offset, sweep, window = self.sweeps[rel]
            scores.append(np.asarray(results[rel][0], dtype=float)[offset:])
            sweeps.append(sweep)
            windows.append(window)
            owners.append(np.full(len(sweep), index))
        score = np.concatenate(scores)
        order = np.argsort(-score, kind="stable")
        sweep = np.concatenate(sweeps)[order]
        window = np.concatenate(windows)[order]
        in_window = window != ""
        names, ids = np.unique(window[in_window], return_inverse=True)
        window_id = np.full(len(order), -1)
        window_id[in_window] = ids
        fn = self.weights["fn"]
        delta = np.where(in_window, 0.0, sweep)  # every false positive row costs its sweep
        if len(names):
            frame = pd.DataFrame({"id": ids, "s": sweep[in_window]})
            best = frame.groupby("id")["s"].cummax().to_numpy()
            previous = frame.assign(best=best).groupby("id")["best"].shift(1)
            delta[in_window] = best - previous.fillna(-fn).to_numpy()
        window_counts = np.array([len(self.files[rel].windows) for rel in rels])
        return Ranked(score[order], delta, window_id, np.concatenate(owners)[order],
                      list(rels), np.arange(len(rels)), window_counts, self.weights)


class Ranked:
    """The scored rows of some files in order of score (highest first, ties in file order),
    each with its change to NAB's total, its window (-1: none) and its file (an index of
    ``rels``, the files of the whole sort; ``members`` are the ones these rows are of)."""

    def __init__(self, score, delta, window_id, owner, rels, members, window_counts, weights):
        self.score, self.delta, self.window_id, self.owner = score, delta, window_id, owner
        self.rels, self.members = rels, members
        self.window_counts, self.weights = window_counts, weights

    def subset(self, rels: list[str]) -> Ranked:
        """The rows of ``rels`` only (files of this set), in the same order: the figures
        ``FastScorer.evaluate`` gives ``rels`` when they are listed in the whole set's order."""
        position = {rel: index for index, rel in enumerate(self.rels)}
        members = np.array([position[rel] for rel in rels], dtype=int)
        rows = np.isin(self.owner, members)
        return Ranked(self.score[rows], self.delta[rows], self.window_id[rows],
                      self.owner[rows], self.rels, members, self.window_counts, self.weights)

    def evaluate(self, threshold: float | None = None) -> dict:
        score, window_id = self.score, self.window_id
        in_window = window_id >= 0
        fn = self.weights["fn"]
        base = -fn * len(np.unique(window_id[in_window]))
        total = base + np.cumsum(self.delta)
        # one entry per distinct score: the totals after every row scoring >= it
        last_of_value = np.r_[score[1:] != score[:-1], True]
        thresholds = np.r_[1.1, score[last_of_value]]
        totals = np.r_[base, total[last_of_value]]
        if threshold is None:
            chosen = int(np.argmax(totals))  # first maximum: the highest threshold
        else:
            chosen = int(np.flatnonzero(thresholds >= threshold)[-1])
        n_windows = int(self.window_counts[self.members].sum())
        null, perfect = -fn * n_windows, self.weights["tp"] * n_windows
        detected = score >= thresholds[chosen]
        hit = len(np.unique(window_id[detected & in_window]))
        return {"normalized": 100.0 * (totals[chosen] - null) / (perfect - null)
                if n_windows else None, "threshold": float(thresholds[chosen]),
                "windows_detected": hit, "windows_total": n_windows,
                "fp_rows": int((detected & ~in_window).sum())}
