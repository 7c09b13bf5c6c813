-- The sites with observations in [%(start)s, %(end)s) (those a detection run scores).
SELECT DISTINCT site_id::text
FROM site_metrics
WHERE observed_at >= %(start)s AND observed_at < %(end)s
  AND (%(site_ids)s::uuid[] IS NULL OR site_id = ANY(%(site_ids)s::uuid[]))
ORDER BY 1
