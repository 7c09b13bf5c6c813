-- Unresolved incidents a new alert may join: opened in [%(since)s, %(until)s).
SELECT id::text AS id, scope, server, opened_at
FROM alert_incidents
WHERE resolved_at IS NULL
  AND opened_at >= %(since)s AND opened_at < %(until)s
ORDER BY opened_at, id
