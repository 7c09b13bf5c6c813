-- Alerts not in an incident yet that opened in [%(since)s, %(until)s) (the caller starts one
-- grouping window before the run's interval), with their site's server; oldest first.
SELECT a.id, a.site_id::text AS site_id, s.server, a.opened_at
FROM predictive_alerts a
JOIN wp_sites s ON s.id = a.site_id
WHERE a.incident_id IS NULL
  AND a.status <> 'superseded'
  AND a.opened_at >= %(since)s AND a.opened_at < %(until)s
ORDER BY a.opened_at, a.id
