-- Give failed analyses that used up their attempts back to ai_failure_analysis (its next
-- run claims them as new), optionally only those failed since a time.
UPDATE healer_executions
SET ai_status = NULL, ai_attempts = 0, ai_error = NULL, ai_claimed_at = NULL
WHERE status = 'FAILED'
  AND ai_status = 'FAILED'
  AND ai_attempts >= %(max_attempts)s
  AND (%(since)s::timestamptz IS NULL OR started_at >= %(since)s)
RETURNING id::text
