SELECT e.id::text AS execution_id, e.site_id::text AS site_id, e.status, e.diagnosis_type,
       e.ai_status, e.ai_attempts, e.ai_error,
       e.ai_analysis, round(e.ai_confidence::numeric, 3)::float8 AS ai_confidence,
       e.ai_recommendations, e.ai_reasoning, e.ai_model,
       e.ai_tokens_used, round(e.ai_cost_usd, 6)::float8 AS ai_cost_usd, e.ai_analyzed_at,
       l.correct AS label_correct, l.diagnosis_type AS label_diagnosis_type,
       l.labelled_by, l.labelled_at, l.note AS label_note
FROM healer_executions e
LEFT JOIN diagnosis_labels l ON l.execution_id = e.id
WHERE e.id = %(execution_id)s::uuid
