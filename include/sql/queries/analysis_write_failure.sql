-- An analysis that failed: retried by a later run while attempts are left.
UPDATE healer_executions
SET ai_status = 'FAILED',
    ai_error = %(error)s
WHERE id = %(id)s::uuid
  AND ai_status IN ('CLAIMED', 'BATCHED')
