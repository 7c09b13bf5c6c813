"""Healer's history for the demo fleet: executions around incidents, background failures,
and healing patterns with months of use.

The pattern catalogue (catalogue.py) mixes what a real fleet accumulates. The ground truth
stays in the devkit's own tables: whether each pattern is good (effective and safe to
auto-run) in ``devkit.demo_pattern_truth``, so approval can be scored, and each execution's
true diagnosis in ``devkit.demo_execution_truth``, while ``healer_executions.diagnosis_type``
holds what Phase 1 said (phase1.py).
"""

from healer_ops.devkit.fleet.history.builder import HistoryBuilder
from healer_ops.devkit.fleet.history.catalogue import PATTERN_CATALOGUE, PatternSpec
from healer_ops.devkit.fleet.history.rows import ExecutionRow, History, PatternRow
from healer_ops.devkit.fleet.history.store import write_history
from healer_ops.devkit.fleet.history.timeline import build_history

__all__ = ["PATTERN_CATALOGUE", "ExecutionRow", "History", "HistoryBuilder", "PatternRow",
           "PatternSpec", "build_history", "write_history"]
