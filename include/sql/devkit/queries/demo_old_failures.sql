-- Failed executions older than the cache TTL that were never analyzed (the demo's replay).
SELECT count(*) FROM healer_executions
WHERE status = 'FAILED' AND started_at < %(cutoff)s AND ai_status IS NULL
