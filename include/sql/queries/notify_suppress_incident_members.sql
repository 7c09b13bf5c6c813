-- One page per incident. Pending notices of an incident's members that are not news on
-- their channel are never sent: a raise (opened, escalated) once the incident was announced
-- there (a notice went out, or is going out, in its message), and a member's 'resolved'
-- while the incident is still open (the incident's end is told once, when its last member
-- resolves).
UPDATE alert_notifications n
SET status = 'suppressed',
    reason = CASE WHEN n.event = 'resolved'
                  THEN 'incident ' || a.incident_id || ' still open'
                  ELSE 'incident ' || a.incident_id || ' already announced' END
FROM predictive_alerts a
JOIN alert_incidents i ON i.id = a.incident_id
WHERE a.id = n.alert_id
  AND n.status = 'pending'
  AND CASE WHEN n.event = 'resolved' THEN i.resolved_at IS NULL
           ELSE EXISTS (SELECT 1 FROM alert_notifications p
                        WHERE p.incident_id = a.incident_id AND p.channel = n.channel
                          AND p.event <> 'resolved' AND p.status IN ('sent', 'sending'))
      END
