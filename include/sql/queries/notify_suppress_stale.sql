-- Before queueing: pending notices whose alert no longer warrants them are never sent (a
-- raise of an alert now resolved, superseded or snoozed; a resolve of an alert snoozed).
UPDATE alert_notifications n
SET status = 'suppressed',
    reason = CASE alert_state(a.status, a.manually_resolved_at, a.snoozed_until,
                              a.acknowledged_at)
                 WHEN 'snoozed' THEN 'snoozed'
                 ELSE 'alert ' || alert_state(a.status, a.manually_resolved_at,
                                              a.snoozed_until, a.acknowledged_at)
                      || ' before the notice was sent' END
FROM predictive_alerts a
WHERE a.id = n.alert_id
  AND n.status = 'pending'
  AND (alert_state(a.status, a.manually_resolved_at, a.snoozed_until, a.acknowledged_at)
           = 'snoozed'
       OR (n.event <> 'resolved'
           AND alert_state(a.status, a.manually_resolved_at, a.snoozed_until, a.acknowledged_at)
               IN ('resolved', 'superseded')))
