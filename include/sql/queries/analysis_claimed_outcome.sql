-- Where the executions one run claimed stand now, by ai_status (the run's summary).
SELECT coalesce(ai_status, 'UNCLAIMED') AS ai_status, count(*)
FROM healer_executions
WHERE id = ANY(%(ids)s::uuid[])
GROUP BY 1
ORDER BY 1
