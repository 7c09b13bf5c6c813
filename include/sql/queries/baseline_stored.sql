-- Stored baselines that can judge cells in [%(start)s, %(until)s): per site, the latest one
-- ending at or before start, and every one ending inside the interval.
SELECT site_id, period_start, period_end,
       avg_response_time_ms, median_response_time_ms, p95_response_time_ms, mad_response_time_ms,
       avg_ttfb_ms, median_ttfb_ms, p95_ttfb_ms, mad_ttfb_ms,
       avg_page_size_bytes, median_page_size_bytes, p95_page_size_bytes, mad_page_size_bytes,
       avg_error_rate,
       coalesce(typical_error_rate, avg_error_rate) AS typical_error_rate,  -- rows before 0051
       sample_size, history_days, seasonality, seasonal_profile
FROM performance_baselines b
WHERE (%(site_ids)s::uuid[] IS NULL OR site_id = ANY(%(site_ids)s::uuid[]))
  AND period_end <= %(until)s
  AND (period_end > %(start)s
       OR period_end = (SELECT max(period_end) FROM performance_baselines o
                        WHERE o.site_id = b.site_id AND o.period_end <= %(start)s))
ORDER BY site_id, period_end
