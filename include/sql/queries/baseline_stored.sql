-- Stored baselines whose period ends at or before %(until)s (detection picks, per window,
-- the latest one that ends at or before the window).
SELECT site_id, period_start, period_end,
       avg_response_time_ms, median_response_time_ms, p95_response_time_ms, mad_response_time_ms,
       avg_ttfb_ms, median_ttfb_ms, p95_ttfb_ms, mad_ttfb_ms,
       avg_page_size_bytes, median_page_size_bytes, p95_page_size_bytes, mad_page_size_bytes,
       avg_error_rate, sample_size, history_days, seasonality, seasonal_profile
FROM performance_baselines
WHERE period_end <= %(until)s
  AND (%(site_ids)s::uuid[] IS NULL OR site_id = ANY(%(site_ids)s::uuid[]))
ORDER BY site_id, period_end
