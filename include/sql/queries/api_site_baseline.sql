-- A site's latest baseline with its band of normal response time: median +- 3 robust
-- standard deviations (1.4826 MAD), floored at 0.
SELECT period_start, period_end, seasonality, sample_size,
       round(median_response_time_ms::numeric, 1)::float8 AS median_response_time_ms,
       round(mad_response_time_ms::numeric, 1)::float8 AS mad_response_time_ms,
       round(p95_response_time_ms::numeric, 1)::float8 AS p95_response_time_ms,
       round(greatest(median_response_time_ms - 3 * 1.4826 * mad_response_time_ms, 0)::numeric,
             1)::float8 AS band_low_ms,
       round((median_response_time_ms + 3 * 1.4826 * mad_response_time_ms)::numeric, 1)::float8
           AS band_high_ms,
       round(median_ttfb_ms::numeric, 1)::float8 AS median_ttfb_ms,
       round(median_page_size_bytes::numeric)::float8 AS median_page_size_bytes,
       round(avg_error_rate::numeric, 4)::float8 AS error_rate,
       computed_at
FROM performance_baselines
WHERE site_id = %(site_id)s::uuid
ORDER BY period_end DESC
LIMIT 1
