-- One alert with its people's columns, locked for a lifecycle change (acknowledge, snooze,
-- resolve, label, ...): two people acting at once are applied one after the other.
SELECT id, status, alert_state(status, manually_resolved_at, snoozed_until, acknowledged_at)
           AS state,
       acknowledged_at, acknowledged_by, snoozed_until, snoozed_by, manually_resolved_at,
       manually_resolved_by, label, labelled_at, labelled_by, label_note
FROM predictive_alerts
WHERE id = %(id)s
FOR UPDATE
