-- A site's alerts that overlap [%(since)s, %(until)s): what a chart marks.
SELECT id, alert_type, severity,
       alert_state(status, manually_resolved_at, snoozed_until, acknowledged_at) AS state,
       opened_at, coalesce(resolved_at, manually_resolved_at) AS ended_at,
       (current_metrics ->> 'first_anomalous_at')::timestamptz AS first_anomalous_at,
       predicted_at, prediction
FROM predictive_alerts
WHERE site_id = %(site_id)s::uuid AND status <> 'superseded'
  AND opened_at < %(until)s
  AND coalesce(resolved_at, manually_resolved_at, 'infinity') >= %(since)s
ORDER BY opened_at
