-- Notices delivered.
UPDATE alert_notifications SET status = 'sent', sent_at = now(), reason = NULL
WHERE id = ANY(%(ids)s::bigint[])
