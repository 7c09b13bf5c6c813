-- Write one execution's analysis back (only while this run still holds its claim).
UPDATE healer_executions
SET ai_analysis = %(analysis)s,
    ai_confidence = %(confidence)s,
    ai_recommendations = %(recommendations)s,
    ai_reasoning = %(reasoning)s,
    ai_model = %(model)s,
    ai_tokens_used = %(tokens_used)s,
    ai_cost_usd = %(cost_usd)s,
    ai_analyzed_at = now(),
    ai_status = 'DONE',
    ai_error = NULL
WHERE id = %(id)s::uuid
  AND ai_status IN ('CLAIMED', 'BATCHED')
