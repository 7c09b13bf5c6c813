-- Roll up one UTC hour [%(hour)s, %(hour)s + 1 h) of site_metrics into site_metrics_hourly,
-- one row per site, recomputed from the raw rows (so re-running it leaves the same rows). A
-- row that already holds the same figures is left alone.
INSERT INTO site_metrics_hourly AS h (
    site_id, hour, samples, errors, wsod, first_at, last_at,
    rt_n, rt_sum, rt_min, rt_max, rt_values,
    ttfb_n, ttfb_sum, ttfb_min, ttfb_max, ttfb_values,
    page_n, page_sum, page_min, page_max, page_values)
SELECT site_id, %(hour)s::timestamptz, count(*), count(*) FILTER (WHERE error),
       count(*) FILTER (WHERE wsod_marker), min(observed_at), max(observed_at),
       count(response_time_ms), sum(response_time_ms), min(response_time_ms),
       max(response_time_ms),
       coalesce(array_agg(response_time_ms ORDER BY response_time_ms)
                    FILTER (WHERE response_time_ms IS NOT NULL), '{}'),
       count(ttfb_ms), sum(ttfb_ms), min(ttfb_ms), max(ttfb_ms),
       coalesce(array_agg(ttfb_ms ORDER BY ttfb_ms) FILTER (WHERE ttfb_ms IS NOT NULL), '{}'),
       count(page_size_bytes), sum(page_size_bytes::float8), min(page_size_bytes::float8),
       max(page_size_bytes::float8),
       coalesce(array_agg(page_size_bytes::float8 ORDER BY page_size_bytes)
                    FILTER (WHERE page_size_bytes IS NOT NULL), '{}')
FROM site_metrics
WHERE observed_at >= %(hour)s::timestamptz
  AND observed_at < %(hour)s::timestamptz + interval '1 hour'
GROUP BY site_id
ON CONFLICT (site_id, hour) DO UPDATE SET
    samples = EXCLUDED.samples, errors = EXCLUDED.errors, wsod = EXCLUDED.wsod,
    first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at,
    rt_n = EXCLUDED.rt_n, rt_sum = EXCLUDED.rt_sum, rt_min = EXCLUDED.rt_min,
    rt_max = EXCLUDED.rt_max, rt_values = EXCLUDED.rt_values,
    ttfb_n = EXCLUDED.ttfb_n, ttfb_sum = EXCLUDED.ttfb_sum, ttfb_min = EXCLUDED.ttfb_min,
    ttfb_max = EXCLUDED.ttfb_max, ttfb_values = EXCLUDED.ttfb_values,
    page_n = EXCLUDED.page_n, page_sum = EXCLUDED.page_sum, page_min = EXCLUDED.page_min,
    page_max = EXCLUDED.page_max, page_values = EXCLUDED.page_values,
    rolled_up_at = now()
WHERE (h.samples, h.errors, h.wsod, h.first_at, h.last_at, h.rt_values, h.ttfb_values,
       h.page_values, h.rt_sum, h.ttfb_sum, h.page_sum)
      IS DISTINCT FROM
      (EXCLUDED.samples, EXCLUDED.errors, EXCLUDED.wsod, EXCLUDED.first_at, EXCLUDED.last_at,
       EXCLUDED.rt_values, EXCLUDED.ttfb_values, EXCLUDED.page_values, EXCLUDED.rt_sum,
       EXCLUDED.ttfb_sum, EXCLUDED.page_sum)
