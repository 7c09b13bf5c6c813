-- Claim failed executions for analysis in one statement. FOR UPDATE SKIP LOCKED: two
-- concurrent runs never claim the same execution. Claimable: never analyzed, a failed
-- analysis with attempts left, a claim this run's earlier try holds (taken back first, and
-- not counted as another attempt), or a claim whose holder let it expire.
UPDATE healer_executions e
SET ai_status = 'CLAIMED',
    ai_claimed_at = now(),
    ai_attempts = CASE WHEN e.ai_status = 'CLAIMED' AND e.ai_claim_run_id = %(run_id)s
                       THEN e.ai_attempts ELSE e.ai_attempts + 1 END,
    ai_error = NULL,
    ai_claim_run_id = %(run_id)s,
    ai_claim_try = %(try_number)s,
    ai_claim_expires_at = now() + make_interval(secs => %(hold_s)s)
FROM wp_sites s
WHERE s.id = e.site_id
  AND e.id IN (
      SELECT c.id
      FROM healer_executions c
      WHERE c.status = 'FAILED'
        AND (c.ai_status IS NULL
             OR (c.ai_status = 'FAILED' AND c.ai_attempts < %(max_attempts)s)
             OR (c.ai_status = 'CLAIMED'
                 AND (c.ai_claim_run_id = %(run_id)s
                      OR coalesce(c.ai_claim_expires_at,
                                  c.ai_claimed_at + interval '60 minutes') < now())))
      ORDER BY coalesce(c.ai_status = 'CLAIMED' AND c.ai_claim_run_id = %(run_id)s, false) DESC,
               c.started_at, c.id
      LIMIT %(limit)s
      FOR UPDATE SKIP LOCKED)
RETURNING e.id::text, coalesce(nullif(e.logs_analyzed, ''), e.error_message, ''),
          s.blacklisted_plugins, s.blacklisted_themes
