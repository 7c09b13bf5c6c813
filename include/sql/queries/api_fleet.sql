-- One row per site, ranked: its status (from its open alerts), the last hour of its data
-- against its latest baseline (distance = the larger robust z of response time and error
-- rate), and its open alerts. Numbers rounded for people.
WITH site AS (
    SELECT s.id, s.domain, s.url, s.health_status, s.healing_mode,
           m.last_observed_at, m.last_response_time_ms, m.last_status_code, m.last_error,
           r.recent_median_ms, r.recent_error_rate, r.recent_samples,
           b.median_response_time_ms AS base_median, b.mad_response_time_ms AS base_mad,
           b.p95_response_time_ms AS base_p95, b.avg_error_rate AS base_error_rate,
           coalesce(a.open_alerts, 0) AS open_alerts, a.worst_severity, a.down
    FROM wp_sites s
    LEFT JOIN LATERAL (
        SELECT observed_at AS last_observed_at, response_time_ms AS last_response_time_ms,
               status_code AS last_status_code, error AS last_error
        FROM site_metrics WHERE site_id = s.id ORDER BY observed_at DESC LIMIT 1
    ) m ON true
    LEFT JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS recent_median_ms,
               avg(error::int) AS recent_error_rate, count(*) AS recent_samples
        FROM site_metrics
        WHERE site_id = s.id AND observed_at > m.last_observed_at - interval '1 hour'
    ) r ON true
    LEFT JOIN LATERAL (
        SELECT median_response_time_ms, mad_response_time_ms, p95_response_time_ms,
               avg_error_rate
        FROM performance_baselines WHERE site_id = s.id ORDER BY period_end DESC LIMIT 1
    ) b ON true
    LEFT JOIN LATERAL (
        SELECT count(*) AS open_alerts,
               (array_agg(severity ORDER BY array_position(
                   ARRAY['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], severity)))[1] AS worst_severity,
               bool_or(alert_type = 'DOWNTIME') AS down
        FROM predictive_alerts
        WHERE site_id = s.id
          AND alert_state(status, manually_resolved_at, snoozed_until, acknowledged_at)
              IN ('open', 'acknowledged', 'snoozed')
    ) a ON true
    WHERE (%(site_id)s::uuid IS NULL OR s.id = %(site_id)s::uuid)
), scored AS (
    SELECT site.*,
           CASE WHEN down THEN 'DOWN'
                WHEN worst_severity = 'CRITICAL' THEN 'CRITICAL'
                WHEN worst_severity = 'HIGH' THEN 'DEGRADED'
                WHEN worst_severity IS NOT NULL THEN 'WARNING'
                WHEN last_observed_at IS NULL THEN 'UNKNOWN'
                ELSE 'HEALTHY' END AS status,
           greatest((recent_median_ms - base_median) / nullif(1.4826 * base_mad, 0),
                    (recent_error_rate - base_error_rate)
                        / sqrt(greatest(base_error_rate, 0.001)
                               * (1 - least(base_error_rate, 0.999))
                               / greatest(recent_samples, 1))) AS distance
    FROM site
)
SELECT id::text AS site_id, domain, url, status, health_status AS healer_status, healing_mode,
       round(distance::numeric, 2)::float8 AS distance,
       last_observed_at, round(last_response_time_ms::numeric, 1)::float8 AS last_response_time_ms,
       last_status_code, last_error,
       round(recent_median_ms::numeric, 1)::float8 AS recent_median_response_time_ms,
       round(recent_error_rate::numeric, 4)::float8 AS recent_error_rate,
       round(base_median::numeric, 1)::float8 AS baseline_median_response_time_ms,
       round(base_p95::numeric, 1)::float8 AS baseline_p95_response_time_ms,
       round(base_error_rate::numeric, 4)::float8 AS baseline_error_rate,
       open_alerts, worst_severity,
       count(*) OVER () AS total
FROM scored
WHERE (%(status)s::text IS NULL OR status = %(status)s)
ORDER BY CASE WHEN %(sort)s = 'domain' THEN domain END,
         CASE WHEN %(sort)s = 'status' THEN array_position(
             ARRAY['DOWN', 'CRITICAL', 'DEGRADED', 'WARNING', 'HEALTHY', 'UNKNOWN'], status) END,
         distance DESC NULLS LAST, domain
LIMIT %(limit)s OFFSET %(offset)s
