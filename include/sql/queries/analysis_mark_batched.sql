-- Executions whose analysis now waits for a Batch API job.
UPDATE healer_executions
SET ai_status = 'BATCHED'
WHERE id = ANY(%(ids)s::uuid[])
  AND ai_status = 'CLAIMED'
