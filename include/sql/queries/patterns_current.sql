-- Every healing pattern (or one, %(pattern_id)s) with what the learner decides on.
SELECT id, diagnosis_type, error_type, culprit, error_pattern, commands, version,
       auto_approved, approved_by, approved_at, approval_reason, revoked_at, revoked_reason,
       version_started_at, created_at, details, origin, ai_enhanced, human_decision,
       decided_by, decided_at, decision_note, review_reason, review_requested_at,
       evidence_since, proposal, stats_as_of
FROM healing_patterns
WHERE %(pattern_id)s::uuid IS NULL OR id = %(pattern_id)s::uuid
ORDER BY id
