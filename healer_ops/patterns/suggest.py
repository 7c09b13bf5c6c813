"""An analysis' commands as the next attempt's plan, as the plan says: only when the analysis
is confident (> 0.8) and its commands are allowed, automatic and touch no blacklisted plugin
(`Recommendation.auto`, decided by the allow-list with the site's own blacklist). Then they
go where Healer reads the next attempt's plan (the execution's `suggested_commands` and
`suggested_action`; what they replaced is kept in `ai_suggestion`) and one short AI insight
line is appended to the execution's log. Otherwise they stay advice: `ai_recommendations`,
with `ai_suggestion` saying why they were not used.

A plan is fix commands only (read-only checks are advice): an analysis whose only automatic
commands are checks has no plan. A plan never re-runs what a person rejected: when its
commands are those of a pattern a person rejected or revoked, it stays advice.
"""

from __future__ import annotations

from dataclasses import dataclass

from healer_ops.policy.allow_list import AUTO_CONFIDENCE, is_read_only

CONFIDENT = AUTO_CONFIDENCE
INSIGHT_MARKER = "[healer-ops AI]"
MAX_ACTION_CHARS = 300


def _command(recommendation) -> tuple[str, bool]:
    if isinstance(recommendation, dict):
        return recommendation["command"], bool(recommendation.get("auto"))
    return recommendation.command, bool(recommendation.auto)


def fix_commands(recommendations) -> list[str]:
    """What an analysis would run to fix the fault: its automatic fix commands, or else its
    first allowed fix (the taxonomy lists alternatives, not a sequence); never checks."""
    fixes = [(c, auto) for c, auto in map(_command, recommendations) if not is_read_only(c)]
    automatic = [c for c, auto in fixes if auto]
    return automatic or [c for c, _ in fixes[:1]]


@dataclass(frozen=True)
class Plan:
    used: bool
    why: str
    commands: list[str]
    action: str | None = None
    insight: str | None = None

    def record(self, replaced: dict | None = None, pattern: dict | None = None) -> dict:
        """What ai_suggestion stores."""
        out = {"used": self.used, "why": self.why, "commands": self.commands}
        if pattern:
            out["pattern_id"] = str(pattern["id"])
            out["pattern_version"] = pattern.get("version")
        if replaced is not None:
            out["replaced"] = replaced
        return out


def plan_for(analysis: dict, pattern: dict | None) -> Plan:
    """The next attempt's plan from one analysis (plain data: Analysis.model_dump())."""
    confidence = float(analysis.get("confidence") or 0)
    automatic = [c for c, auto in map(_command, analysis.get("recommendations") or [])
                 if auto and not is_read_only(c)]
    if confidence <= CONFIDENT:
        return Plan(False, f"confidence {confidence:.2f} is not above {CONFIDENT}: kept as "
                           "advice", [])
    if not automatic:
        return Plan(False, "no allowed automatic fix among the recommendations (only checks, "
                           "commands that need a person's approval, or a blacklisted plugin): "
                           "kept as advice", [])
    if pattern and pattern.get("human_decision") in ("rejected", "revoked") and list(
            pattern.get("commands") or []) == automatic:
        return Plan(False, f"the same commands as pattern {str(pattern['id'])[:8]}, "
                           f"{pattern['human_decision']} by {pattern.get('decided_by')}: kept "
                           "as advice", [])
    where = f" (pattern {str(pattern['id'])[:8]} v{pattern.get('version')})" if pattern else ""
    culprit = f" in {analysis['culprit']}" if analysis.get("culprit") else ""
    cause = " ".join((analysis.get("root_cause") or "").split())
    action = (f"AI plan, confidence {confidence:.2f}: {analysis['diagnosis_type']}{culprit}. "
              f"{cause}")[:MAX_ACTION_CHARS]
    insight = (f"{INSIGHT_MARKER} {analysis['diagnosis_type']}{culprit} (confidence "
               f"{confidence:.2f}, {analysis.get('analyzer', 'local')}): {cause} Next attempt: "
               f"{'; '.join(automatic)}{where}.")
    return Plan(True, f"confidence {confidence:.2f} > {CONFIDENT}, allowed and automatic",
                automatic, action, insight)
