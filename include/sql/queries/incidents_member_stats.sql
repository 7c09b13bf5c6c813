-- What an incident's members say now, for the incidents that may have changed: unresolved
-- ones, those given members by this run (%(touched)s), and resolved ones with a member open
-- again. A member is over when detection resolved it or a person did; the incident is over
-- when every member is, at the latest member's end.
WITH changing AS (
    SELECT id FROM alert_incidents WHERE resolved_at IS NULL OR id = ANY(%(touched)s::uuid[])
    UNION
    SELECT incident_id FROM predictive_alerts
    WHERE incident_id IS NOT NULL AND status = 'open' AND manually_resolved_at IS NULL
)
SELECT i.id::text AS id, i.scope, i.server,
       min(a.opened_at) AS opened_at,
       max(a.last_seen_at) AS last_seen_at,
       CASE WHEN bool_and(a.status = 'resolved' OR a.manually_resolved_at IS NOT NULL)
            THEN max(least(a.resolved_at, a.manually_resolved_at)) END AS resolved_at,
       count(DISTINCT a.site_id) AS site_count,
       count(*) AS alert_count,
       count(DISTINCT s.server) AS servers,
       array_agg(DISTINCT a.alert_type ORDER BY a.alert_type) AS alert_types,
       (ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[
           max(array_position(ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], a.severity))]
           AS max_severity
FROM alert_incidents i
JOIN changing c ON c.id = i.id
JOIN predictive_alerts a ON a.incident_id = i.id
JOIN wp_sites s ON s.id = a.site_id
GROUP BY i.id, i.scope, i.server
