-- Store one baseline computed by baseline_stats (run per row with executemany); re-running a
-- period replaces that period's rows. The statistics are computed by a separate SELECT because
-- PostgreSQL plans INSERT ... SELECT without parallel workers.
INSERT INTO performance_baselines (
    site_id, period_start, period_end,
    avg_response_time_ms, median_response_time_ms, p95_response_time_ms, mad_response_time_ms,
    avg_ttfb_ms, median_ttfb_ms, p95_ttfb_ms, mad_ttfb_ms,
    avg_page_size_bytes, median_page_size_bytes, p95_page_size_bytes, mad_page_size_bytes,
    avg_error_rate, typical_error_rate, sample_size, history_days, seasonality,
    seasonal_profile, computed_at)
VALUES (
    %(site_id)s, %(period_start)s, %(period_end)s,
    %(avg_response_time_ms)s, %(median_response_time_ms)s, %(p95_response_time_ms)s,
    %(mad_response_time_ms)s,
    %(avg_ttfb_ms)s, %(median_ttfb_ms)s, %(p95_ttfb_ms)s, %(mad_ttfb_ms)s,
    %(avg_page_size_bytes)s, %(median_page_size_bytes)s, %(p95_page_size_bytes)s,
    %(mad_page_size_bytes)s,
    %(avg_error_rate)s, %(typical_error_rate)s, %(sample_size)s, %(history_days)s,
    %(seasonality)s, %(seasonal_profile)s, now())
ON CONFLICT (site_id, period_start, period_end) DO UPDATE SET
    avg_response_time_ms = EXCLUDED.avg_response_time_ms,
    median_response_time_ms = EXCLUDED.median_response_time_ms,
    p95_response_time_ms = EXCLUDED.p95_response_time_ms,
    mad_response_time_ms = EXCLUDED.mad_response_time_ms,
    avg_ttfb_ms = EXCLUDED.avg_ttfb_ms,
    median_ttfb_ms = EXCLUDED.median_ttfb_ms,
    p95_ttfb_ms = EXCLUDED.p95_ttfb_ms,
    mad_ttfb_ms = EXCLUDED.mad_ttfb_ms,
    avg_page_size_bytes = EXCLUDED.avg_page_size_bytes,
    median_page_size_bytes = EXCLUDED.median_page_size_bytes,
    p95_page_size_bytes = EXCLUDED.p95_page_size_bytes,
    mad_page_size_bytes = EXCLUDED.mad_page_size_bytes,
    avg_error_rate = EXCLUDED.avg_error_rate,
    typical_error_rate = EXCLUDED.typical_error_rate,
    sample_size = EXCLUDED.sample_size,
    history_days = EXCLUDED.history_days,
    seasonality = EXCLUDED.seasonality,
    seasonal_profile = EXCLUDED.seasonal_profile,
    computed_at = EXCLUDED.computed_at
