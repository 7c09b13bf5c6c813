-- Keep the current version of a pattern (with what it achieved) before it changes.
INSERT INTO healing_pattern_versions (pattern_id, version, commands, error_pattern, reason,
                                      changed_at, success_count, failure_count, confidence,
                                      auto_approved, started_at)
SELECT id, version, commands, error_pattern, %(reason)s, %(changed_at)s, success_count,
       failure_count, confidence, auto_approved, coalesce(version_started_at, created_at)
FROM healing_patterns
WHERE id = %(id)s
ON CONFLICT (pattern_id, version) DO NOTHING
