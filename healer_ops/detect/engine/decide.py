"""Decisions: one detection per problem, episodes, and adaptation to a new normal.

From a combined p-value per row: the score (p mapped into [0, 1], 0.5 at the alert
p-value) is thinned so one problem is one detection (a row keeps its score only if it beats
the rows of the last hold, and nothing scores in the hold after an alert); an episode opens
on an alert row and stays open while the evidence lasts (at most ``max_episode_holds``
holds: then the level it reached is the new normal, and the same kind of evidence stays
silent until it recovers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.detect.engine.calibrate import pvalue_to_score

ALERT_SCORE = 0.5  # pvalue_to_score maps alert_pvalue here
RECOVERY_PVALUE = 0.2  # an episode closes once the evidence is this weak ...


@dataclass(frozen=True)
class Episode:
    """One detected problem, in rows of the input (``end`` inclusive)."""

    start: int
    end: int
    peak: int
    score: float
    direction: int
    evidence: str


def suppress_repeats(scores: np.ndarray, hold: int) -> np.ndarray:
    """Keep a score only if it beats every score of the previous ``hold`` rows, else 0.

    An anomaly that lasts produces one detection (its first row, or a worse later row)
    instead of a run of high scores; the comparison uses the unsuppressed scores.
    """
    scores = np.asarray(scores, dtype=float)
    previous_max = (pd.Series(scores).rolling(hold, min_periods=1).max()
                    .shift(1).fillna(0.0).to_numpy())
    return np.where(scores > previous_max, scores, 0.0)


def escalates(score: float, opened_at: float, escalation: float, same_kind: bool) -> bool:
    """A score during a silence is a new, much worse problem: of another kind of evidence
    than the opening row (the same evidence growing is the same problem going on), with a
    p at most the opening row's p to the power ``|escalation|`` (0: never; negative: only
    after an opening row that did not alert, so a paged problem is paged once). On the
    score scale, p^k is ``1 - (1 - score)^k``."""
    if escalation == 0 or same_kind or (escalation < 0 and opened_at >= ALERT_SCORE):
        return False
    return score >= 1.0 - (1.0 - opened_at) ** abs(escalation)


def escalation_candidate(row: int, scores: np.ndarray, kinds: np.ndarray, opened_kind,
                         runner_up: tuple[np.ndarray, np.ndarray] | None):
    """(score, kind) a row offers as an escalation of the open detection: its strongest
    evidence, or, where that is the open detection's own kind, its runner-up evidence."""
    if kinds[row] == opened_kind and runner_up is not None:
        return runner_up[0][row], runner_up[1][row]
    return scores[row], kinds[row]


def silence_after_alerts(scores: np.ndarray, threshold: float, hold: int,
                         escalation: float = 0.0, kinds: np.ndarray | None = None,
                         runner_up: tuple[np.ndarray, np.ndarray] | None = None
                         ) -> np.ndarray:
    """Zero every score in the ``hold`` rows after an alert (score >= ``threshold``).

    The trigger/recovery rule of an alert: while a problem is being reported, a second page
    for it is noise, unless it ``escalates`` (it keeps its score; the silence does not
    restart, so an escalation never hides a later problem).
    """
    out = np.asarray(scores, dtype=float).copy()
    kinds = np.zeros(len(out), dtype=int) if kinds is None else kinds
    last_alert, opened_at, opened_kind = None, 0.0, None
    for row in np.flatnonzero(out >= threshold):
        if last_alert is not None and row - last_alert <= hold:
            score, kind = escalation_candidate(row, out, kinds, opened_kind, runner_up)
            if escalates(score, opened_at, escalation, kind == opened_kind):
                opened_at, opened_kind = score, kind  # it scores; the silence stays
            else:
                out[row] = 0.0
        else:
            last_alert, opened_at, opened_kind = row, out[row], kinds[row]
    return out


def open_episodes(pvalues: np.ndarray, alert: np.ndarray, hold: int,
                  recover_rows: int) -> np.ndarray:
    """Rows inside an episode: from an alert row until ``recover_rows`` rows in a row have
    p above RECOVERY_PVALUE, at most ``hold`` rows."""
    active = np.zeros(len(pvalues), dtype=bool)
    weak = pd.Series(pvalues > RECOVERY_PVALUE).rolling(recover_rows, min_periods=1).min()
    recovered = weak.to_numpy() >= 1
    for start in np.flatnonzero(alert):
        stop = min(len(pvalues), start + hold + 1)
        done = np.flatnonzero(recovered[start + 1:stop])
        end = start + 1 + int(done[0]) if len(done) else stop
        active[start:end] = True
    return active


def decide(pvalues: np.ndarray, hold: int, recover_rows: int, alert_pvalue: float,
           silence_pvalue: float | None = None, max_episode_holds: float = 1.0,
           repeat_rows: int | None = None, escalation: float = 0.0,
           kinds: np.ndarray | None = None, same_kind_until_recovered: bool = False,
           runner_up: tuple[np.ndarray, np.ndarray] | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thinned score, alert 0/1, active) per row from the combined p-value per row.

    A row opens a detection when its p reaches ``silence_pvalue`` (default: the alert
    p-value) and beats the rows of the last hold; nothing scores in the hold after it, nor
    while its episode lasts (evidence still at p <= RECOVERY_PVALUE within the last
    ``recover_rows``), for at most ``max_episode_holds`` holds: then the level it reached is
    the new normal. It also alerts (score >= 0.5) when its p reaches ``alert_pvalue``:
    paging can be stricter than ranking without changing which rows keep a score. With
    ``escalation`` k > 0 a row whose p is at most the open detection's p^k and of another
    kind (``kinds``: the evidence code per row) keeps its score (a weak detection does not
    hide a much worse problem that follows); ``runner_up`` (the p and kind of each row's
    second strongest evidence) lets another kind escalate on a row where the open
    detection's own kind is stronger still.
    """
    silence_pvalue = alert_pvalue if silence_pvalue is None else silence_pvalue
    scores = pvalue_to_score(pvalues, alert_pvalue)
    silence_score = float(pvalue_to_score(np.array([silence_pvalue]), alert_pvalue)[0])
    longest = max(hold, int(round(max_episode_holds * hold)))
    repeat_rows = hold if repeat_rows is None else max(1, repeat_rows)
    scores = silence_episodes(suppress_repeats(scores, repeat_rows), pvalues, silence_score, hold,
                              longest, recover_rows, escalation, kinds,
                              same_kind_until_recovered,
                              None if runner_up is None else
                              (pvalue_to_score(runner_up[0], alert_pvalue), runner_up[1]))
    alert = (scores >= ALERT_SCORE).astype(np.int8)
    return scores, alert, open_episodes(pvalues, alert, longest, recover_rows)


def silence_episodes(scores: np.ndarray, pvalues: np.ndarray, threshold: float, hold: int,
                     longest: int, recover_rows: int, escalation: float = 0.0,
                     kinds: np.ndarray | None = None,
                     same_kind_until_recovered: bool = False,
                     runner_up: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Zero every score after a detection (score >= ``threshold``) for ``hold`` rows and,
    beyond, while its evidence lasts (at most ``longest`` rows in all), unless a score
    ``escalates`` (a much worse problem keeps its score; the silence does not restart, so
    an escalation never hides a later problem). With ``same_kind_until_recovered``, an
    episode that ended at ``longest`` without recovering keeps silencing its own kind of
    evidence until the evidence recovers: a metric frozen for days is one detection, not
    one every ``longest`` rows."""
    if longest <= hold:
        return silence_after_alerts(scores, threshold, hold, escalation, kinds, runner_up)
    raw = np.asarray(scores, dtype=float)
    out = raw.copy()
    kinds = np.zeros(len(out), dtype=int) if kinds is None else kinds
    weak = pd.Series(pvalues > RECOVERY_PVALUE).rolling(recover_rows, min_periods=1).min()
    recovered = weak.to_numpy() >= 1
    quiet_until, kind_quiet_until, opened_at, opened_kind = -1, -1, 0.0, None
    for row in np.flatnonzero(raw >= threshold):
        if row <= quiet_until:
            score, kind = escalation_candidate(row, raw, kinds, opened_kind, runner_up)
            if escalates(score, opened_at, escalation, kind == opened_kind):
                # it scores and is now the problem the episode follows; the silence stays
                out[row] = raw[row]
                opened_at, opened_kind = score, kind
            continue
        if row <= kind_quiet_until and kinds[row] == opened_kind:
            out[row] = 0.0  # the same evidence, never recovered: the same problem going on
            continue
        stop = min(len(out), row + longest + 1)
        done = np.flatnonzero(recovered[row + hold:stop])
        quiet_until = row + hold + int(done[0]) if len(done) else stop - 1
        kind_quiet_until = quiet_until
        if same_kind_until_recovered and not len(done):
            later = np.flatnonzero(recovered[stop:])
            kind_quiet_until = stop + int(later[0]) if len(later) else len(out)
        opened_at, opened_kind = raw[row], kinds[row]
        out[row + 1:quiet_until + 1] = 0.0
    return out


def episodes_of(score: np.ndarray, alert: np.ndarray, active: np.ndarray,
                direction: np.ndarray, evidence: np.ndarray,
                names: tuple[str, ...]) -> list[Episode]:
    """The episodes of a decided series, in order."""
    out = []
    for start in np.flatnonzero(alert):
        end = start
        while end + 1 < len(active) and active[end + 1] and not alert[end + 1]:
            end += 1
        peak = start + int(np.argmax(score[start:end + 1]))
        out.append(Episode(int(start), int(end), int(peak), float(score[peak]),
                           int(direction[start]), names[int(evidence[start])]))
    return out
