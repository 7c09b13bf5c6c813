-- Claim the notices due now (or whose sender died mid-send 10 minutes ago) for one drain;
-- SKIP LOCKED: two drains never send the same notice.
UPDATE alert_notifications n
SET status = 'sending', claimed_at = now(), attempts = n.attempts + 1
WHERE n.id IN (
    SELECT id FROM alert_notifications
    WHERE (status = 'pending' AND next_attempt_at <= now())
       OR (status = 'sending' AND claimed_at < now() - interval '10 minutes')
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
RETURNING n.id
