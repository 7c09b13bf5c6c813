-- Claim one execution for an analysis on demand (API, `healer-ops analyze --execution`),
-- whatever its status and however many attempts it had: a person asked. Its attempts start
-- again at 1, so if this attempt fails the DAG retries it like any other.
UPDATE healer_executions e
SET ai_status = 'CLAIMED',
    ai_claimed_at = now(),
    ai_attempts = 1,
    ai_error = NULL
FROM wp_sites s
WHERE s.id = e.site_id
  AND e.id = %(id)s::uuid
RETURNING e.id::text, coalesce(nullif(e.logs_analyzed, ''), e.error_message, ''),
          s.blacklisted_plugins, s.blacklisted_themes
