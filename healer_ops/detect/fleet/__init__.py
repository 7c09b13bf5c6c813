"""Predictive anomaly detection over the whole fleet, into predictive_alerts.

A run scores the observations of [since, until) (plus a 24 h look-back that fills rolling
windows, trends and the trigger/recovery windows) on a time grid of cells x sites (5-minute
cells, longer when the fleet is probed less often), so every step is one numpy operation over
the fleet, not a loop over sites. The modules, in the order a run uses them:

- ``rules``: thresholds, the grid's cell length (``for_step``, ``choose_step``);
- ``grid``: the observations of every site on (cells x sites) arrays (one binary COPY);
- ``baselines``: per cell, the latest stored seasonal baseline ending at or before it;
  ``refresh_missing_baselines`` stores the missing and stale ones (a step of its own);
- ``signals``: per alert type, flagged / not yet normal / severity / strength per cell:
  response time (rolling 1 h median vs the baseline of that hour, sustained 2 h, plus a
  Theil-Sen trend that predicts when 3x baseline is crossed) -> PERFORMANCE_DEGRADATION;
  errors of the last hour against the site's own error rate (binomial test) -> ERROR_SPIKE;
  nearly every probe failing -> DOWNTIME; page size far from baseline, or well below it
  while answers are much faster and 2xx (an error page) -> PAGE_SIZE_ANOMALY;
  certificate expiry within 14 days -> SSL_EXPIRY;
- ``forest``: an IsolationForest over hourly per-site feature windows gives every alert an
  anomaly_score renormalized 0-100, and part of its confidence;
- ``episodes``: one alert per ongoing problem (``healer_ops.detect.alerts``: trigger and
  recovery windows), as predictive_alerts rows; ``evidence``: their text and figures;
- ``run``: the steps (plan, refresh baselines, score, write) and their composition.
"""

from healer_ops.detect.fleet.rules import RULES, Rules, choose_step, for_step
from healer_ops.detect.fleet.run import (
    WATERMARK_SCOPE,
    advance_watermark,
    detect_fleet,
    detect_new_data,
    plan_run,
    refresh_step,
    score_step,
    write_step,
)

__all__ = ["RULES", "WATERMARK_SCOPE", "Rules", "advance_watermark", "choose_step",
           "detect_fleet", "detect_new_data", "for_step", "plan_run", "refresh_step",
           "score_step", "write_step"]
