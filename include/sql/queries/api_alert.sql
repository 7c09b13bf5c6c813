-- One alert for people, with its state.
SELECT a.id, a.site_id::text AS site_id, s.domain, a.alert_type, a.severity,
       alert_state(a.status, a.manually_resolved_at, a.snoozed_until, a.acknowledged_at)
           AS state,
       a.status AS detection_status, a.prediction,
       round(a.confidence::numeric, 3)::float8 AS confidence,
       round(a.deviation::numeric, 2)::float8 AS deviation,
       round(a.anomaly_score::numeric, 1)::float8 AS anomaly_score,
       a.opened_at, a.last_seen_at, a.resolved_at, a.predicted_at, a.superseded_at,
       a.current_metrics, a.baseline_metrics,
       a.acknowledged_at, a.acknowledged_by, a.snoozed_until, a.snoozed_by,
       a.manually_resolved_at, a.manually_resolved_by,
       a.label, a.labelled_at, a.labelled_by, a.label_note,
       a.incident_id::text AS incident_id
FROM predictive_alerts a
JOIN wp_sites s ON s.id = a.site_id
WHERE a.id = %(id)s
