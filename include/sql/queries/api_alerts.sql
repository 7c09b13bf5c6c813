SELECT a.id, a.site_id::text AS site_id, s.domain, a.alert_type, a.severity, a.prediction,
       a.confidence, a.deviation, a.anomaly_score, a.status, a.opened_at, a.last_seen_at,
       a.resolved_at, a.predicted_at, a.current_metrics, a.baseline_metrics
FROM predictive_alerts a
JOIN wp_sites s ON s.id = a.site_id
WHERE (%(status)s::text IS NULL OR a.status = %(status)s)
  AND (%(site_id)s::uuid IS NULL OR a.site_id = %(site_id)s::uuid)
ORDER BY a.opened_at DESC
LIMIT %(limit)s
