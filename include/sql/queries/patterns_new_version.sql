-- Keep the current version of a pattern (with what it achieved) before it changes.
-- restored_from/changed_by describe the NEXT version (a rollback and who made the change)
-- and are stored on the row of the version it replaces, beside its reason.
INSERT INTO healing_pattern_versions (pattern_id, version, commands, error_pattern, reason,
                                      changed_at, success_count, failure_count, confidence,
                                      auto_approved, started_at, restored_from, changed_by)
SELECT id, version, commands, error_pattern, %(reason)s, %(changed_at)s, success_count,
       failure_count, confidence, auto_approved, coalesce(version_started_at, created_at),
       %(restored_from)s, %(changed_by)s
FROM healing_patterns
WHERE id = %(id)s
ON CONFLICT (pattern_id, version) DO NOTHING
