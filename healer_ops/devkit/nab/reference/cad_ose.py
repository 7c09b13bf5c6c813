"""CAD OSE, the Contextual Anomaly Detector (open-source edition), as NAB v1.1 runs it.

A re-implementation of NAB's ``contextOSE`` detector (Mikhail Smirnov, 2016; published NAB
v1.1 standard score 69.9), same algorithm and parameters, written for Python 3:

- each value is quantized into ``2**3`` levels of the file's [min, max] range (NAB hands
  every detector the min and max of the WHOLE file: not causal, kept as published) and
  becomes three "sensor facts" (bit position x bit value);
- a context pairs a left set of facts (the previous step's sensor facts plus up to 15
  "neuron" facts, the most used active contexts) with a right set (the current sensor
  facts); contexts are stored as left and right semi-contexts sharing facts;
- the score of a step is ``(1 - share of the selected contexts that became active + share
  of the potential new contexts that really were new) / 2``, and 0 when the step's sensor
  facts were all predicted by the best-predicting contexts of the step before;
- after a score of at least 0.75, the next ``rest`` rows report 0 (rest = NAB's
  probationary period / 5).

Ties among active contexts of equal use are broken by the hashes of their fact tuples
(Python 3's, where the original ran under Python 2; the choice of the 15 neurons can
differ on exact ties).
"""

from __future__ import annotations

import math

import numpy as np

BASE_THRESHOLD = 0.75
MAX_LEFT_SEMI_CONTEXT_LENGTH = 7
MAX_ACTIVE_NEURONS = 15
VALUE_BITS = 3
SENSOR_BASE = 65536  # sensor facts are 65536 + 2 * bit position + bit value
NEURON_BASE = 2 ** 31  # neuron facts are 2**31 + context id


class _LeftSemiContext:
    __slots__ = ("crossed", "size", "matched", "contexts")

    def __init__(self, size: int):
        self.crossed: list[int] = []  # facts of the current input found in it
        self.size = size
        self.matched = 0
        self.contexts: dict[int, int] = {}  # right semi-context id -> context id


class _RightSemiContext:
    __slots__ = ("crossed", "size", "matched")

    def __init__(self, size: int):
        self.crossed: list[int] = []
        self.size = size
        self.matched = 0


class _Context:
    __slots__ = ("predictions", "hits", "activations", "right_facts", "zero_level",
                 "left_hash", "right_hash")

    def __init__(self, right_facts: tuple, zero_level: int, left_hash: int, right_hash: int):
        self.predictions = 0  # facts it predicted (right size, each time it was selected)
        self.hits = 0  # ... of which came true
        self.activations = 0
        self.right_facts = right_facts
        self.zero_level = zero_level
        self.left_hash = left_hash
        self.right_hash = right_hash


class ContextMemory:
    """NAB's ``ContextOperator``: contexts stored as pairs of semi-contexts."""

    def __init__(self, max_left_length: int = MAX_LEFT_SEMI_CONTEXT_LENGTH):
        self.max_left_length = max_left_length
        self.left_ids: dict[int, int] = {}
        self.right_ids: dict[int, int] = {}
        self.lefts: list[_LeftSemiContext] = []
        self.rights: list[_RightSemiContext] = []
        self.left_by_fact: dict[int, list[_LeftSemiContext]] = {}
        self.right_by_fact: dict[int, list[_RightSemiContext]] = {}
        self.crossed_lefts: list[_LeftSemiContext] = []
        self.crossed_rights: list[_RightSemiContext] = []
        self.full_lefts: list[_LeftSemiContext] = []  # crossed lefts with every fact matched
        self.contexts: list[_Context] = []
        # the original resets this to False, and False == 0 in Python: context 0 is skipped
        # whenever no zero-level context was just created (kept)
        self.new_context_id = 0

    def add_contexts(self, pairs, zero_level: bool = False):
        """Store the (left facts, right facts) pairs not known yet.

        For a zero-level pair returns whether it was new; otherwise how many were new.
        """
        added = 0
        for left_facts, right_facts in pairs:
            left_hash, right_hash = hash(left_facts), hash(right_facts)
            left_id = self.left_ids.setdefault(left_hash, len(self.left_ids))
            if left_id == len(self.lefts):
                left = _LeftSemiContext(len(left_facts))
                self.lefts.append(left)
                for fact in left_facts:
                    self.left_by_fact.setdefault(fact, []).append(left)
            right_id = self.right_ids.setdefault(right_hash, len(self.right_ids))
            if right_id == len(self.rights):
                right = _RightSemiContext(len(right_facts))
                self.rights.append(right)
                for fact in right_facts:
                    self.right_by_fact.setdefault(fact, []).append(right)
            context_id = self.lefts[left_id].contexts.setdefault(right_id, len(self.contexts))
            if context_id == len(self.contexts):
                added += 1
                self.contexts.append(_Context(right_facts, int(zero_level), left_hash,
                                              right_hash))
                if zero_level:
                    self.new_context_id = context_id
                    return True
            elif zero_level:
                self.contexts[context_id].zero_level = 1
                return False
        return added

    @staticmethod
    def _cross(semi_contexts, crossed_before, by_fact, facts):
        for semi in crossed_before:
            semi.crossed = []
            semi.matched = 0
        for fact in facts:
            for semi in by_fact.get(fact, ()):
                semi.crossed.append(fact)
        crossed = []
        for semi in semi_contexts:
            semi.matched = len(semi.crossed)
            if semi.matched:
                crossed.append(semi)
        return crossed

    def cross_right(self, facts, new_context: bool):
        """Match the current sensor facts; returns (active, selected count, potential new)."""
        self.crossed_rights = self._cross(self.rights, self.crossed_rights,
                                          self.right_by_fact, facts)
        active, selected, potential = [], 0, []
        # only a new zero-level context lets a partly matched left semi-context propose one
        for left in self.crossed_lefts if new_context else self.full_lefts:
            for right_id, context_id in left.contexts.items():
                if context_id == self.new_context_id:
                    continue
                context = self.contexts[context_id]
                right = self.rights[right_id]
                if left.size == left.matched:
                    selected += 1
                    context.predictions += right.size
                    if right.matched > 0:
                        context.hits += right.matched
                        if right.size == right.matched:
                            context.activations += 1
                            active.append((context.activations, context.left_hash,
                                           context.right_hash, context_id))
                        elif (context.zero_level and new_context
                              and left.matched <= self.max_left_length):
                            potential.append((tuple(left.crossed), tuple(right.crossed)))
                elif (context.zero_level and new_context and right.matched > 0
                      and left.matched <= self.max_left_length):
                    potential.append((tuple(left.crossed), tuple(right.crossed)))
        self.new_context_id = 0
        return active, selected, potential

    def cross_left(self, facts, potential):
        """Store the potential new contexts, match the new left facts; returns (new, predicted)."""
        added = self.add_contexts(potential) if potential else 0
        self.crossed_lefts = self._cross(self.lefts, self.crossed_lefts, self.left_by_fact,
                                         facts)
        self.full_lefts = [left for left in self.crossed_lefts if left.size == left.matched]
        best_weight, predicting = 0.0, []
        for left in self.full_lefts:
            for context_id in left.contexts.values():
                context = self.contexts[context_id]
                weight = context.hits / context.predictions if context.predictions else 0.0
                if weight > best_weight:
                    best_weight, predicting = weight, [context]
                elif weight == best_weight:
                    predicting.append(context)
        predicted = set()
        for context in predicting:
            predicted.update(context.right_facts)
        return added, predicted


class ContextualAnomalyDetectorOSE:
    """One file's detector: feed values in order with :meth:`score`."""

    def __init__(self, min_value: float, max_value: float, rest_period: float = 30,
                 base_threshold: float = BASE_THRESHOLD, value_bits: int = VALUE_BITS):
        self.min_value = float(min_value)
        self.rest_period = rest_period
        self.base_threshold = base_threshold
        self.value_bits = value_bits
        self.max_bin = 2 ** value_bits - 1.0
        value_range = float(max_value) - self.min_value
        self.value_step = (value_range if value_range != 0.0 else self.max_bin) / self.max_bin
        self.memory = ContextMemory()
        self.left_facts: tuple = ()
        self.predicted: set = set()
        self.history = [1.0]

    def sensor_facts(self, value: float) -> set[int]:
        level = int((value - self.min_value) / self.value_step)
        bits = format(level, "b").rjust(self.value_bits, "0") if level > 0 else "0" * \
            self.value_bits
        return {SENSOR_BASE + position * 2 + (bit == "1")
                for position, bit in enumerate(reversed(bits))}

    def _step(self, facts: set[int]) -> tuple[float, float]:
        current = tuple(sorted(facts))
        unique_potential = set()
        if self.left_facts and current:
            zero_level = (self.left_facts, current)
            unique_potential.add(zero_level)
            new_context = self.memory.add_contexts([zero_level], zero_level=True)
        else:
            new_context = False
        active, selected, potential = self.memory.cross_right(current, new_context)
        unique_potential.update(potential)
        active_share = len(active) / selected if selected else 0.0
        neurons = [entry[3] for entry in sorted(active)[-MAX_ACTIVE_NEURONS:]]
        self.left_facts = tuple(sorted(set(current) | {NEURON_BASE + n for n in neurons}))
        added, self.predicted = self.memory.cross_left(self.left_facts, potential)
        added += 1 if new_context else 0
        new_share = added / len(unique_potential) if new_context and unique_potential else 0.0
        return active_share, new_share

    def score(self, value: float) -> float:
        facts = self.sensor_facts(value)
        surprise = sum(2 ** ((fact - SENSOR_BASE) // 2) for fact in facts
                       if fact not in self.predicted)
        active_share, new_share = self._step(facts)
        current = (1.0 - active_share + new_share) / 2.0 if surprise > 0 else 0.0
        recent = self.history[-int(self.rest_period):]
        returned = current if max(recent) < self.base_threshold else 0.0
        self.history.append(current)
        return returned


def probation_rows(rows: int, percent: float = 0.15) -> float:
    """NAB v1.1's probationary period: min(floor(15% of rows), 15% of 5000)."""
    return min(math.floor(percent * rows), percent * 5000)


def score_series(values: np.ndarray) -> np.ndarray:
    """CAD OSE scores of one file, as NAB runs it (whole-file min and max)."""
    values = np.asarray(values, dtype=float)
    detector = ContextualAnomalyDetectorOSE(np.min(values), np.max(values),
                                            rest_period=probation_rows(len(values)) / 5.0)
    return np.array([detector.score(float(value)) for value in values])
