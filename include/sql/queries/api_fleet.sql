-- One row per site: health, the latest observation, the current baseline, open alerts.
SELECT s.id::text AS site_id,
       s.domain,
       s.url,
       s.health_status,
       s.healing_mode,
       m.observed_at AS last_observed_at,
       m.response_time_ms AS last_response_time_ms,
       m.status_code AS last_status_code,
       m.error AS last_error,
       b.median_response_time_ms AS baseline_median_response_time_ms,
       b.p95_response_time_ms AS baseline_p95_response_time_ms,
       coalesce(a.open_alerts, 0) AS open_alerts,
       a.worst_severity
FROM wp_sites s
LEFT JOIN LATERAL (
    SELECT observed_at, response_time_ms, status_code, error
    FROM site_metrics WHERE site_id = s.id ORDER BY observed_at DESC LIMIT 1
) m ON true
LEFT JOIN LATERAL (
    SELECT median_response_time_ms, p95_response_time_ms
    FROM performance_baselines WHERE site_id = s.id ORDER BY period_end DESC LIMIT 1
) b ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS open_alerts,
           (array_agg(severity ORDER BY array_position(
               ARRAY['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], severity)))[1] AS worst_severity
    FROM predictive_alerts WHERE site_id = s.id AND status = 'open'
) a ON true
ORDER BY coalesce(a.open_alerts, 0) DESC, s.domain
LIMIT %(limit)s
