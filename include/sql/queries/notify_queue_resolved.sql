-- Queue one 'resolved' notice per channel for a resolved alert (by detection or by hand)
-- whose raise was sent (or is being sent) on that channel: people who heard of a problem
-- hear that it ended, once. Snoozed alerts stay quiet.
INSERT INTO alert_notifications (alert_id, site_id, event, event_key, severity, channel,
                                 status, reason)
SELECT DISTINCT a.id, a.site_id, 'resolved', 'resolved', a.severity, n.channel,
       CASE WHEN a.snoozed_until > now() THEN 'suppressed' ELSE 'pending' END,
       CASE WHEN a.snoozed_until > now() THEN 'snoozed' END
FROM predictive_alerts a
JOIN alert_notifications n
  ON n.alert_id = a.id AND n.event <> 'resolved' AND n.status IN ('sent', 'sending')
WHERE (a.status = 'resolved' OR a.manually_resolved_at IS NOT NULL)
  AND a.status <> 'superseded'
  AND n.channel = ANY(%(channels)s::text[])
ON CONFLICT (alert_id, event_key, channel) DO NOTHING
