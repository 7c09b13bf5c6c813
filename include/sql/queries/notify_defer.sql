-- Notices put back to wait (quiet hours, a site's minimum interval, or a failed delivery
-- with attempts left), or given up after the last attempt (%(give_up)s).
UPDATE alert_notifications
SET status = CASE WHEN %(give_up)s THEN 'failed' ELSE 'pending' END,
    next_attempt_at = %(next_attempt_at)s,
    attempts = attempts - CASE WHEN %(count_attempt)s THEN 0 ELSE 1 END,
    reason = coalesce(%(reason)s, reason)
WHERE id = ANY(%(ids)s::bigint[])
