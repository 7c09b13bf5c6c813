-- The patterns of one diagnosis type and culprit, oldest first: whose error_pattern matches
-- a log is that log's pattern.
SELECT id, error_pattern FROM healing_patterns
WHERE diagnosis_type = %(diagnosis_type)s AND lower(culprit) = lower(%(culprit)s)
ORDER BY created_at, id
