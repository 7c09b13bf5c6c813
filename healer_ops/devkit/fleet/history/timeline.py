"""What happened: every pattern's uses over months, the executions around each incident, and
background failures drawn from a pool of faults that recur across sites."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import numpy as np

from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.history.builder import HistoryBuilder
from healer_ops.devkit.fleet.history.catalogue import (
    HISTORY_DAYS,
    PATTERN_CATALOGUE,
    PatternSpec,
    pattern_key,
)
from healer_ops.devkit.fleet.history.rows import ExecutionRow, History, PatternRow
from healer_ops.devkit.fleet.incidents import Incident
from healer_ops.devkit.fleet.seeding import stable_uuid, stream
from healer_ops.devkit.fleet.sites import Site
from healer_ops.patterns.error_pattern import error_pattern_from_log

# The fault pool of background failures: recipe -> how many distinct faults.
_POOL_SIZES = {"plugin_fatal": 8, "plugin_redeclare": 2, "theme_fatal": 4, "syntax": 4,
               "wpconfig_raw": 1, "memory": 3, "db": 5, "maintenance": 1, "integrity": 2,
               "permission": 2, "cache": 3, "disk_full": 2, "htaccess": 2, "ssl": 2, "cron": 2,
               "timeout": 3, "wsod": 3, "unknown": 1}
_INCIDENT_RECIPES = {
    "slow_degradation": ("db", "memory", "timeout", "disk_full"),
    "error_spike": ("db", "cache", "timeout"),
    "white_screen": ("plugin_fatal", "theme_fatal", "syntax", "wsod", "memory"),
}


def build_history(sites: list[Site], incidents: list[Incident], seed: int,
                  end: datetime, days: float = 14) -> History:
    """Patterns with use histories, executions around incidents, background failures."""
    if not sites:
        return History([], [])
    builder = HistoryBuilder(sites, seed, end)
    patterns = _build_patterns(builder)
    executions = _pattern_uses(builder, patterns)
    executions += _incident_executions(builder, incidents)
    executions += _background_executions(builder, days)
    return History(patterns, executions)


def _fault_rng(seed: int, name: str) -> np.random.Generator:
    digest = int(hashlib.sha1(name.encode()).hexdigest()[:12], 16)
    return stream(seed, "history", 10_000, digest)


def _build_patterns(builder: HistoryBuilder) -> list[PatternRow]:
    rows = []
    for spec in PATTERN_CATALOGUE:
        key = "/".join(pattern_key(spec))
        fault = logs.make_fault(spec.recipe, _fault_rng(builder.seed, key), **spec.fault)
        reference_site = builder.sites[0]
        sample = fault.render(builder.context(reference_site, builder.end - timedelta(days=90)))
        error_pattern = error_pattern_from_log(sample)
        if spec.phase1_regex_defect:
            error_pattern = re.escape(error_pattern)  # Phase 1's bug, kept to be repaired
        rows.append(PatternRow(id=str(stable_uuid("pattern", *pattern_key(spec))), spec=spec,
                               fault=fault, error_pattern=error_pattern))
    return rows


def _use_outcomes(rng, spec: PatternSpec, end: datetime) -> list[tuple[datetime, bool]]:
    n = int(rng.integers(spec.uses[0], spec.uses[1] + 1))
    span = 60 if spec.story in ("lucky", "new") else HISTORY_DAYS
    ages = np.sort(rng.uniform(1 / 24, span, n))[::-1]
    outcomes = rng.random(n) < spec.success_rate
    if spec.story == "lucky":
        outcomes[:] = True
    if spec.story == "degrading":  # the vendor's release lands 25 days ago
        ages[-5:] = rng.uniform(1 / 24, 25, 5)
        ages = np.sort(ages)[::-1]
        recent = ages < 25
        outcomes[recent] = rng.random(int(recent.sum())) < 0.2
        outcomes[-3:] = False
    return [(end - timedelta(days=float(age)), bool(ok)) for age, ok in zip(ages, outcomes,
                                                                             strict=True)]


def _pattern_uses(builder: HistoryBuilder, patterns: list[PatternRow]) -> list[ExecutionRow]:
    executions = []
    for pattern in patterns:
        rng = _fault_rng(builder.seed, "uses/" + "/".join(pattern_key(pattern.spec)))
        successes = 0
        for when, ok in _use_outcomes(rng, pattern.spec, builder.end):
            site = builder.sites[int(rng.integers(len(builder.sites)))]
            executions.append(builder.execution(site, pattern.fault, when, ok, pattern=pattern))
            pattern.last_used_at = when
            if ok:
                successes += 1
                pattern.success_count += 1
                pattern.last_success_at = when
            else:
                pattern.failure_count += 1
                pattern.last_failure_at = when
            total = pattern.success_count + pattern.failure_count
            if (pattern.phase1_approved_at is None and successes >= 5
                    and pattern.success_count / total > 0.9):
                pattern.phase1_approved_at = when
    return executions


def _fault_pool(builder: HistoryBuilder) -> list[logs.Fault]:
    pool = []
    for recipe, count in _POOL_SIZES.items():
        for k in range(count):
            pool.append(logs.make_fault(recipe, _fault_rng(builder.seed, f"pool/{recipe}/{k}")))
    return pool


def _zipf_weights(rng, n: int) -> np.ndarray:
    weights = 1 / np.arange(1, n + 1) ** 0.9
    weights = weights[rng.permutation(n)]
    return weights / weights.sum()


def _incident_executions(builder: HistoryBuilder, incidents: list[Incident]) -> list[ExecutionRow]:
    pool = _fault_pool(builder)
    by_index = {s.index: s for s in builder.sites}
    rng = builder.rng
    executions = []
    for incident in incidents:
        recipes = _INCIDENT_RECIPES.get(incident.incident_type)
        if not recipes:
            continue
        recipe = logs.pick(rng, recipes)
        if incident.incident_type == "white_screen" and incident.details["status_code"] == 200 \
                and recipe == "wsod":
            fault = logs.make_fault("wsod", _fault_rng(builder.seed, incident.id),
                                    error_type="EMPTY_BODY")
        else:
            candidates = [f for f in pool if f.recipe == recipe]
            fault = logs.pick(rng, candidates)
        site = by_index[incident.site_index]
        start = (incident.outage_at or incident.starts_at) + timedelta(
            minutes=float(rng.uniform(3, 20)))
        if start >= builder.end:
            continue
        first_ok = bool(rng.random() < 0.2)
        first = builder.execution(site, fault, start, first_ok, incident=incident)
        executions.append(first)
        retry = start + timedelta(minutes=float(rng.uniform(15, 60)))
        if not first_ok and retry < builder.end:
            executions.append(builder.execution(site, fault, retry, bool(rng.random() < 0.7),
                                                incident=incident, attempt=2, previous=first.id))
    return executions


def _background_executions(builder: HistoryBuilder, days: float) -> list[ExecutionRow]:
    pool = _fault_pool(builder)
    rng = builder.rng
    weights = _zipf_weights(rng, len(pool))
    count = int(round(len(builder.sites) * days / 4))
    executions = []
    for _ in range(count):
        fault = pool[int(rng.choice(len(pool), p=weights))]
        site = builder.sites[int(rng.integers(len(builder.sites)))]
        started = builder.end - timedelta(days=float(rng.uniform(1 / 24, days)))
        if site.healing_mode == "MANUAL" and rng.random() < 0.5:
            outcome = None
        else:
            outcome = bool(rng.random() < 0.35)
        executions.append(builder.execution(site, fault, started, outcome))
    return executions
