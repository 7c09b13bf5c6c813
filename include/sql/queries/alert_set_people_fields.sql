-- Write the people's columns of one alert (the lifecycle's only write to predictive_alerts;
-- detection never writes these columns, see the alert lifecycle contract).
UPDATE predictive_alerts
SET acknowledged_at = %(acknowledged_at)s,
    acknowledged_by = %(acknowledged_by)s,
    snoozed_until = %(snoozed_until)s,
    snoozed_by = %(snoozed_by)s,
    manually_resolved_at = %(manually_resolved_at)s,
    manually_resolved_by = %(manually_resolved_by)s,
    label = %(label)s,
    labelled_at = %(labelled_at)s,
    labelled_by = %(labelled_by)s,
    label_note = %(label_note)s
WHERE id = %(id)s
