-- An alert a re-run no longer produces (superseded) leaves its incident.
UPDATE predictive_alerts SET incident_id = NULL
WHERE incident_id IS NOT NULL AND status = 'superseded'
