-- Delete one batch of expired rows (short transactions, no long lock on the table).
DELETE FROM ai_analysis_cache
WHERE id IN (
    SELECT id FROM ai_analysis_cache
    WHERE expires_at <= COALESCE(%(now)s::timestamptz, now())
    ORDER BY expires_at, id
    LIMIT %(batch_size)s
    FOR UPDATE SKIP LOCKED
)
