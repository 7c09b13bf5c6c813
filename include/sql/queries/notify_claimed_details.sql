-- What a message says about each claimed notice: the alert, its site, who acted on it, when
-- its site was last told something on the notice's channel, and the alert's incident.
SELECT n.id, n.alert_id, n.site_id::text AS site_id, n.event, n.severity, n.channel,
       n.attempts, n.created_at, s.domain, s.server, a.alert_type, a.prediction, a.confidence, a.opened_at,
       a.last_seen_at, a.predicted_at, a.resolved_at, a.manually_resolved_at,
       a.manually_resolved_by, a.acknowledged_by,
       alert_state(a.status, a.manually_resolved_at, a.snoozed_until, a.acknowledged_at)
           AS state,
       (SELECT max(p.sent_at) FROM alert_notifications p
        WHERE p.channel = n.channel AND p.site_id = n.site_id AND p.status = 'sent')
           AS site_last_sent_at,
       a.incident_id::text AS incident_id, i.scope AS incident_scope,
       i.server AS incident_server, i.summary AS incident_summary,
       i.site_count AS incident_site_count, i.opened_at AS incident_opened_at,
       i.resolved_at AS incident_resolved_at
FROM alert_notifications n
JOIN predictive_alerts a ON a.id = n.alert_id
JOIN wp_sites s ON s.id = n.site_id
LEFT JOIN alert_incidents i ON i.id = a.incident_id
WHERE n.id = ANY(%(ids)s::bigint[])
ORDER BY n.id
