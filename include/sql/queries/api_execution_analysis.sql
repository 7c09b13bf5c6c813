SELECT e.id::text AS execution_id, e.site_id::text AS site_id, e.status, e.diagnosis_type,
       e.ai_analysis, e.ai_confidence, e.ai_recommendations, e.ai_reasoning, e.ai_model,
       e.ai_tokens_used, e.ai_cost_usd, e.ai_analyzed_at
FROM healer_executions e
WHERE e.id = %(execution_id)s::uuid
