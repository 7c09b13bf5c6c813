-- The notices about to go out in one incident's message: from now on the incident counts
-- as announced on their channel (notify_suppress_incident_members).
UPDATE alert_notifications SET incident_id = %(incident_id)s::uuid
WHERE id = ANY(%(ids)s::bigint[])
