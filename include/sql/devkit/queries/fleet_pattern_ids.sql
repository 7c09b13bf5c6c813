-- The id of every pattern by its key (diagnosis type, error type, culprit).
SELECT diagnosis_type, error_type, culprit, id::text
FROM healing_patterns
