-- The observations of [%(start)s, %(end)s), one row per site with one array per column
-- (in no particular order: detection places each value on its time grid). NULLs travel as
-- NaN, 0 or -infinity so every array element has a fixed width; status_flags packs
-- status_code * 4 + error + 2 * wsod_marker into one smallint.
SELECT site_id::text,
       array_agg(observed_at) AS observed_at,
       array_agg(coalesce(response_time_ms, 'NaN')) AS response_time_ms,
       array_agg(coalesce(ttfb_ms, 'NaN')) AS ttfb_ms,
       array_agg(coalesce(page_size_bytes::float8, 'NaN')) AS page_size_bytes,
       array_agg((coalesce(status_code, 0) * 4 + error::int + 2 * wsod_marker::int)::smallint)
           AS status_flags,
       array_agg(coalesce(cert_expires_at, '-infinity')) AS cert_expires_at
FROM site_metrics
WHERE observed_at >= %(start)s AND observed_at < %(end)s
  AND (%(site_ids)s::uuid[] IS NULL OR site_id = ANY(%(site_ids)s::uuid[]))
GROUP BY site_id
