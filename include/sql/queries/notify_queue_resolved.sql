-- Queue one 'resolved' notice per channel for a resolved alert (by detection or by hand)
-- whose raise was sent (or is being sent) on that channel, or whose incident was announced
-- there: people who heard of a problem hear that it ended, once. Snoozed alerts stay quiet.
-- (A member's notice waits for its incident's end: notify_suppress_incident_members.)
INSERT INTO alert_notifications (alert_id, site_id, event, event_key, severity, channel,
                                 status, reason)
SELECT DISTINCT a.id, a.site_id, 'resolved', 'resolved', a.severity, told.channel,
       CASE WHEN a.snoozed_until > now() THEN 'suppressed' ELSE 'pending' END,
       CASE WHEN a.snoozed_until > now() THEN 'snoozed' END
FROM predictive_alerts a
JOIN LATERAL (
    SELECT n.channel FROM alert_notifications n
    WHERE n.alert_id = a.id AND n.event <> 'resolved' AND n.status IN ('sent', 'sending')
    UNION
    SELECT n.channel FROM alert_notifications n
    WHERE a.incident_id IS NOT NULL AND n.incident_id = a.incident_id
      AND n.event <> 'resolved' AND n.status IN ('sent', 'sending')
) told ON true
WHERE (a.status = 'resolved' OR a.manually_resolved_at IS NOT NULL)
  AND a.status <> 'superseded'
  AND told.channel = ANY(%(channels)s::text[])
ON CONFLICT (alert_id, event_key, channel) DO NOTHING
