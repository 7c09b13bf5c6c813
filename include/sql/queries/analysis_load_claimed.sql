-- The claimed executions of one run (by id) that still wait for their analysis, renewed for
-- the try that analyzes them now: what the analyze step works on, and what a retry of it
-- takes back. Executions already written back (DONE), recorded as failed, handed to a Batch
-- API job, or claimed by another run since this run's claim expired are left alone, so a
-- retry rewrites nothing an earlier try finished. run_id NULL: whoever holds the claim.
UPDATE healer_executions e
SET ai_claim_try = coalesce(%(try_number)s, e.ai_claim_try),
    ai_claim_expires_at = now() + make_interval(secs => %(hold_s)s)
FROM wp_sites s
WHERE s.id = e.site_id
  AND e.id = ANY(%(ids)s::uuid[])
  AND e.ai_status = 'CLAIMED'
  AND (%(run_id)s::text IS NULL OR e.ai_claim_run_id = %(run_id)s)
RETURNING e.id::text, coalesce(nullif(e.logs_analyzed, ''), e.error_message, ''),
          s.blacklisted_plugins, s.blacklisted_themes, e.started_at
