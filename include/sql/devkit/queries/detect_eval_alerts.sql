-- Every predictive alert (but those a re-run superseded), oldest first, for scoring
-- against devkit.demo_incidents.
SELECT id, site_id::text AS site_id, alert_type, severity, opened_at, resolved_at,
       predicted_at, prediction
FROM predictive_alerts
WHERE status <> 'superseded'
ORDER BY opened_at, id
