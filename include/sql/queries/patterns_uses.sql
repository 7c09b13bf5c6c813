-- Every finished use of one pattern before %(until)s, oldest first (its daily history).
SELECT started_at, was_successful FROM healer_executions
WHERE pattern_id = %(id)s AND was_successful IS NOT NULL AND started_at < %(until)s
ORDER BY started_at, id
