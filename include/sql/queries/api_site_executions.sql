-- A site's latest healer executions with their AI diagnosis, newest first.
SELECT e.id::text AS execution_id, e.status, e.diagnosis_type, e.started_at, e.finished_at,
       e.was_successful, e.ai_status, e.ai_analysis ->> 'diagnosis_type' AS ai_diagnosis_type,
       round(e.ai_confidence::numeric, 3)::float8 AS ai_confidence, e.ai_analyzed_at,
       l.correct AS label_correct, l.diagnosis_type AS label_diagnosis_type
FROM healer_executions e
LEFT JOIN diagnosis_labels l ON l.execution_id = e.id
WHERE e.site_id = %(site_id)s::uuid
ORDER BY e.started_at DESC, e.id
LIMIT %(limit)s
