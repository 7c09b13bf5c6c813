-- The sites with observations in [%(start)s, %(end)s) (those a detection run scores): one
-- probe of the (site_id, observed_at) key per site instead of a scan of the interval's rows
-- (ingest admits only rows of sites in wp_sites).
SELECT s.id::text
FROM wp_sites s
WHERE (%(site_ids)s::uuid[] IS NULL OR s.id = ANY(%(site_ids)s::uuid[]))
  AND EXISTS (SELECT 1 FROM site_metrics m
              WHERE m.site_id = s.id
                AND m.observed_at >= %(start)s AND m.observed_at < %(end)s)
ORDER BY 1
