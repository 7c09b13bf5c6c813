-- Labelled executions as training examples: the log (redacted by the caller) and the type
-- people said is right.
SELECT l.execution_id::text, l.diagnosis_type, l.ai_diagnosis_type, l.correct,
       l.labelled_by, l.labelled_at,
       coalesce(nullif(e.logs_analyzed, ''), e.error_message, '') AS log
FROM diagnosis_labels l
JOIN healer_executions e ON e.id = l.execution_id
WHERE (%(since)s::timestamptz IS NULL OR l.labelled_at >= %(since)s)
ORDER BY l.labelled_at, l.execution_id
