-- Put alerts into incidents (pairs of alert id and incident id).
UPDATE predictive_alerts a
SET incident_id = l.incident_id
FROM unnest(%(alert_ids)s::bigint[], %(incident_ids)s::uuid[]) AS l (alert_id, incident_id)
WHERE a.id = l.alert_id
