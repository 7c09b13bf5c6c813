UPDATE ai_batch_jobs
SET status = %(status)s,
    checked_at = now(),
    collected_at = CASE WHEN %(collected)s THEN now() ELSE collected_at END,
    error = %(error)s
WHERE batch_id = %(batch_id)s
