-- Every healing pattern with what the learner decides on.
SELECT id, diagnosis_type, error_type, culprit, error_pattern, commands, version,
       auto_approved, approved_by, approved_at, approval_reason, revoked_at, revoked_reason,
       version_started_at, created_at, details
FROM healing_patterns
ORDER BY id
