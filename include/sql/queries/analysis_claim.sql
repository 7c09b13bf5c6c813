-- Claim failed executions for analysis in one statement. FOR UPDATE SKIP LOCKED: two
-- concurrent runs never claim the same execution. Claimable: never analyzed, a failed
-- analysis with attempts left, or a claim left behind by a run that died (stale).
UPDATE healer_executions e
SET ai_status = 'CLAIMED',
    ai_claimed_at = now(),
    ai_attempts = e.ai_attempts + 1,
    ai_error = NULL
FROM wp_sites s
WHERE s.id = e.site_id
  AND e.id IN (
      SELECT c.id
      FROM healer_executions c
      WHERE c.status = 'FAILED'
        AND (c.ai_status IS NULL
             OR (c.ai_status = 'FAILED' AND c.ai_attempts < %(max_attempts)s)
             OR (c.ai_status = 'CLAIMED'
                 AND c.ai_claimed_at < now() - make_interval(mins => %(stale_minutes)s)))
      ORDER BY c.started_at, c.id
      LIMIT %(limit)s
      FOR UPDATE SKIP LOCKED)
RETURNING e.id::text, coalesce(nullif(e.logs_analyzed, ''), e.error_message, ''),
          s.blacklisted_plugins, s.blacklisted_themes
