"""`healer-ops bench patterns`: pattern approval and revocation on simulated patterns whose
true success rates are known, decided by the real refresh code on a scratch database.

The population (chosen before any tuning, written down here):
- good patterns: true success rate uniform in [0.90, 0.99];
- bad patterns: uniform in [0.40, 0.80) (a fix that works less than 80% of the time;
  `--bad-low` moves the lower end: 0.60 is a harder population, mostly near the line);
- turning patterns: good ([0.90, 0.99]) until the fixed plugin's or WordPress' version
  changes under them, on a day drawn in the middle third of the run, then uniform in
  [0.20, 0.60] (the-events-calendar's story: the update that fixed it starts to fatal).
Each pattern is used a Poisson number of times a day, its rate log-uniform in [0.25, 3],
for `weeks` weeks. Every failure of an approved pattern is "analyzed" and decided at once
(`refresh_used_pattern`, what the analysis write-back calls); every midnight the DAG's
`refresh_patterns` runs over all patterns.

Figures:
- good_approved_share: good patterns with at least 20 uses approved no later than the first
  daily run after their 20th use (goal >= 0.60); good_approved_share_end: by the end;
- bad_approved_share: bad patterns approved at any moment (goal <= 0.01);
- uses_to_approve_median: uses of a good pattern when it was approved;
- failures_to_revoke_max: failed uses of a turning pattern, approved when it turned, until
  its approval was revoked (goal <= 3); also the mean and how many were measured;
- good_revoked_share: good patterns approved and later revoked (the price of revoking fast).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from healer_ops.devkit.bench import scratch_database

START = datetime(2025, 1, 6, tzinfo=UTC)
GOOD, BAD, TURNING = "good", "bad", "turning"


@dataclass
class SimPattern:
    id: str
    kind: str
    rate: float  # uses a day
    p: float  # true success rate (before the change, for turning patterns)
    p_after: float | None = None
    change_at: datetime | None = None
    uses: int = 0
    twentieth_use_at: datetime | None = None
    approved_at_uses: list[int] = field(default_factory=list)
    approved_moments: list[datetime] = field(default_factory=list)
    revoked_moments: list[datetime] = field(default_factory=list)
    approved_when_turned: bool | None = None
    failures_after_turn: int = 0
    failures_to_revoke: int | None = None

    def success_rate(self, when: datetime) -> float:
        return self.p_after if self.change_at and when >= self.change_at else self.p


def population(good: int, bad: int, turning: int, weeks: int, seed: int,
               bad_low: float = 0.40) -> list[SimPattern]:
    rng = np.random.default_rng(seed)
    days = weeks * 7
    patterns = []
    for kind, count in ((GOOD, good), (BAD, bad), (TURNING, turning)):
        for _ in range(count):
            rate = float(np.exp(rng.uniform(np.log(0.25), np.log(3.0))))
            low, high = (bad_low, 0.80) if kind == BAD else (0.90, 0.99)
            pattern = SimPattern(str(uuid.UUID(int=int(rng.integers(1 << 62)))), kind, rate,
                                 float(rng.uniform(low, high)))
            if kind == TURNING:
                pattern.rate = float(np.exp(rng.uniform(np.log(1.0), np.log(3.0))))
                pattern.p_after = float(rng.uniform(0.20, 0.60))
                pattern.change_at = START + timedelta(days=float(rng.uniform(days / 3,
                                                                             2 * days / 3)))
            patterns.append(pattern)
    return patterns


def bench_patterns(good: int = 300, bad: int = 1000, turning: int = 100, weeks: int = 10,
                   seed: int = 1, policy=None, keep: bool = False,
                   bad_low: float = 0.40) -> dict:
    """Simulate, decide with the real refresh code, and score; one policy."""
    from healer_ops.patterns import Policy

    if not 0 <= bad_low < 0.80:
        raise ValueError(f"bad_low must be in [0, 0.8), got {bad_low}")
    policy = policy or Policy.from_settings()
    patterns = population(good, bad, turning, weeks, seed, bad_low)
    rng = np.random.default_rng(seed + 1)
    started = time.perf_counter()
    with scratch_database("patterns", keep=keep) as url:
        _simulate(url, patterns, weeks, rng, policy)
    report = score(patterns)
    report.update(policy=_policy_text(policy), seconds=round(time.perf_counter() - started, 1),
                  population={"good": good, "bad": bad, "bad_rates": [bad_low, 0.80],
                              "turning": turning, "weeks": weeks, "seed": seed})
    return report


def trade_off(good: int, bad: int, turning: int, weeks: int, seed: int) -> list[dict]:
    """The same simulation under the previous rule and sequential rules of several
    strengths (the default among them)."""
    from healer_ops.patterns import Policy

    default = Policy.from_settings()
    policies = [
        replace(default, rule="wilson", min_successes=10, recent_uses=10),
        replace(default, rule="wilson", min_successes=10),
        replace(default, approve_likelihood_ratio=3.0),
        default,
        replace(default, approve_likelihood_ratio=10.0),
        replace(default, good_rate=0.95, approve_likelihood_ratio=5.5),
        replace(default, min_successes=10),
    ]
    rows = []
    for policy in policies:
        report = bench_patterns(good, bad, turning, weeks, seed, policy)
        rows.append({k: report[k] for k in (
            "policy", "good_approved_share", "good_approved_share_end", "bad_approved_share",
            "uses_to_approve_median", "failures_to_revoke_max", "good_revoked_share")})
    return rows


def _simulate(url: str, patterns: list[SimPattern], weeks: int, rng, policy) -> None:
    import psycopg

    from healer_ops.devkit import kitdb
    from healer_ops.patterns import refresh_patterns, refresh_used_pattern

    site_id = str(uuid.uuid4())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(kitdb.query("bench_patterns_site"), {"id": site_id})
        conn.cursor().executemany(kitdb.query("bench_patterns_insert_pattern"), [
            {"id": p.id, "error_type": f"BENCH_{i}", "created_at": START,
             "details": json.dumps({"bench": p.kind, "true_rate": round(p.p, 4)})}
            for i, p in enumerate(patterns)])
        approved: set[str] = set()
        for day in range(weeks * 7):
            midnight = START + timedelta(days=day + 1)
            uses = _uses_of_day(patterns, START + timedelta(days=day), rng)
            conn.cursor().executemany(kitdb.query("bench_patterns_insert_use"), [
                {"site_id": site_id, "pattern_id": p.id, "ok": ok, "started_at": when,
                 "status": "SUCCESS" if ok else "FAILED"} for when, p, ok in uses])
            for when, pattern, ok in uses:
                _count_use(pattern, when, ok, approved)
                if not ok and pattern.id in approved:
                    with conn.transaction():  # what the analysis write-back does
                        decision = refresh_used_pattern(
                            conn, pattern.id, when + timedelta(microseconds=1), policy)
                    if decision is not None and not decision.auto_approved:
                        _revoked(pattern, when, approved)
            refresh_patterns(url, midnight, policy)
            now_approved = {str(r[0]) for r in conn.execute(kitdb.query(
                "bench_patterns_approved"))}
            by_id = {p.id: p for p in patterns}
            for pattern_id in now_approved - approved:
                pattern = by_id[pattern_id]
                pattern.approved_at_uses.append(pattern.uses)
                pattern.approved_moments.append(midnight)
            for pattern_id in approved - now_approved:
                _revoked(by_id[pattern_id], midnight, approved)
            approved = now_approved


def _uses_of_day(patterns: list[SimPattern], day_start: datetime, rng) -> list[tuple]:
    uses = []
    for pattern in patterns:
        for _ in range(int(rng.poisson(pattern.rate))):
            when = day_start + timedelta(seconds=float(rng.uniform(0, 86_400)))
            uses.append((when, pattern, bool(rng.random() < pattern.success_rate(when))))
    uses.sort(key=lambda u: u[0])
    return uses


def _count_use(pattern: SimPattern, when: datetime, ok: bool, approved: set[str]) -> None:
    pattern.uses += 1
    if pattern.uses == 20:
        pattern.twentieth_use_at = when
    if pattern.change_at and when >= pattern.change_at:
        if pattern.approved_when_turned is None:
            pattern.approved_when_turned = pattern.id in approved
        if pattern.approved_when_turned and pattern.failures_to_revoke is None and not ok:
            pattern.failures_after_turn += 1


def _revoked(pattern: SimPattern, when: datetime, approved: set[str]) -> None:
    approved.discard(pattern.id)
    pattern.revoked_moments.append(when)
    if pattern.approved_when_turned and pattern.failures_to_revoke is None \
            and when >= pattern.change_at:
        pattern.failures_to_revoke = pattern.failures_after_turn


def score(patterns: list[SimPattern]) -> dict:
    good = [p for p in patterns if p.kind == GOOD]
    bad = [p for p in patterns if p.kind == BAD]
    turned = [p for p in patterns if p.kind == TURNING and p.approved_when_turned]
    judged = [p for p in good if p.twentieth_use_at is not None]
    within = [p for p in judged if p.approved_moments
              and p.approved_moments[0] <= _next_midnight(p.twentieth_use_at)]
    revoke_failures = [p.failures_to_revoke if p.failures_to_revoke is not None
                       else p.failures_after_turn for p in turned]
    hard = [p for p in bad if p.p >= 0.70]
    return {
        "good_approved_share": _share(len(within), len(judged)),
        "good_approved_share_end": _share(sum(bool(p.approved_moments) for p in good),
                                          len(good)),
        "bad_approved_share": _share(sum(bool(p.approved_moments) for p in bad), len(bad)),
        "bad_approved_share_over_070": _share(sum(bool(p.approved_moments) for p in hard),
                                              len(hard)),
        "uses_to_approve_median": (float(np.median([p.approved_at_uses[0] for p in good
                                                    if p.approved_at_uses]))
                                   if any(p.approved_at_uses for p in good) else None),
        "failures_to_revoke_max": max(revoke_failures) if revoke_failures else None,
        "failures_to_revoke_mean": (round(float(np.mean(revoke_failures)), 2)
                                    if revoke_failures else None),
        "turned_measured": len(turned),
        "turned_never_revoked": sum(p.failures_to_revoke is None for p in turned),
        "good_revoked_share": _share(sum(bool(p.revoked_moments) for p in good),
                                     sum(bool(p.approved_moments) for p in good)),
        "good_judged_at_20_uses": len(judged),
    }


def _next_midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _policy_text(policy) -> str:
    if policy.rule == "wilson":
        rule = f"wilson lower bound >= {policy.min_lower_bound}"
    else:
        rule = (f"sequential {policy.good_rate} vs {policy.bad_rate}, likelihood ratio >= "
                f"{policy.approve_likelihood_ratio:g}")
    return (f"{rule}, >= {policy.min_successes} successes; revoke: streak > "
            f"{policy.max_failure_streak} or > {policy.max_recent_failures} of the last "
            f"{policy.recent_uses} uses failed")
