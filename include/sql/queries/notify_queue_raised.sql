-- Queue one notice per channel the first time an alert reaches each notifying severity
-- (%(severities)s: the minimum severity and above). The unique key (alert_id, event_key,
-- channel) makes this idempotent: detection re-runs add nothing. 'opened' when no notice
-- of the alert was queued on the channel before, else 'escalated'. Snoozed alerts' notices
-- are recorded as suppressed (never sent). Alerts last seen before %(fresh_after)s are
-- history (a backfill), not news.
INSERT INTO alert_notifications (alert_id, site_id, event, event_key, severity, channel,
                                 status, reason)
SELECT a.id, a.site_id,
       CASE WHEN EXISTS (SELECT 1 FROM alert_notifications p
                         WHERE p.alert_id = a.id AND p.channel = c.channel
                           AND p.event <> 'resolved')
            THEN 'escalated' ELSE 'opened' END,
       'raised:' || a.severity, a.severity, c.channel,
       CASE WHEN a.state = 'snoozed' THEN 'suppressed' ELSE 'pending' END,
       CASE WHEN a.state = 'snoozed' THEN 'snoozed' END
FROM (SELECT *, alert_state(status, manually_resolved_at, snoozed_until, acknowledged_at)
                    AS state
      FROM predictive_alerts
      WHERE status = 'open' AND manually_resolved_at IS NULL
        AND severity = ANY(%(severities)s::text[])
        AND last_seen_at >= %(fresh_after)s) a
CROSS JOIN unnest(%(channels)s::text[]) AS c (channel)
ON CONFLICT (alert_id, event_key, channel) DO NOTHING
