-- Alerts for people: filtered by state, severity, type, site, incident and time (opened_at
-- in [since, until)), newest first, one page at a time; total counts the whole filtered set.
-- state filter: 'open' covers open, acknowledged and snoozed; 'all' everything.
WITH a AS (
    SELECT a.*, alert_state(a.status, a.manually_resolved_at, a.snoozed_until,
                            a.acknowledged_at) AS state
    FROM predictive_alerts a
    WHERE (%(site_id)s::uuid IS NULL OR a.site_id = %(site_id)s::uuid)
      AND (%(alert_type)s::text IS NULL OR a.alert_type = %(alert_type)s)
      AND (%(severities)s::text[] IS NULL OR a.severity = ANY(%(severities)s::text[]))
      AND (%(since)s::timestamptz IS NULL OR a.opened_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR a.opened_at < %(until)s)
      AND (%(labelled)s::boolean IS NULL OR (a.label IS NOT NULL) = %(labelled)s)
      AND (%(incident_id)s::uuid IS NULL OR a.incident_id = %(incident_id)s::uuid)
)
SELECT a.id, a.site_id::text AS site_id, s.domain, a.alert_type, a.severity, a.state,
       a.status AS detection_status, a.prediction,
       round(a.confidence::numeric, 3)::float8 AS confidence,
       round(a.deviation::numeric, 2)::float8 AS deviation,
       round(a.anomaly_score::numeric, 1)::float8 AS anomaly_score,
       a.opened_at, a.last_seen_at, a.resolved_at, a.predicted_at, a.superseded_at,
       a.current_metrics, a.baseline_metrics,
       a.acknowledged_at, a.acknowledged_by, a.snoozed_until, a.snoozed_by,
       a.manually_resolved_at, a.manually_resolved_by,
       a.label, a.labelled_at, a.labelled_by, a.label_note,
       a.incident_id::text AS incident_id,
       count(*) OVER () AS total
FROM a
JOIN wp_sites s ON s.id = a.site_id
WHERE %(state)s = 'all'
   OR (%(state)s = 'open' AND a.state IN ('open', 'acknowledged', 'snoozed'))
   OR a.state = %(state)s
ORDER BY a.opened_at DESC, a.id DESC
LIMIT %(limit)s OFFSET %(offset)s
