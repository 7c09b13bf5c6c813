-- The claimed executions of one run (by id) that still wait for their analysis: what the
-- analyze step works on, and what a retry of it picks up again. Executions already written
-- back (DONE), recorded as failed or handed to a Batch API job are left alone, so a retry
-- rewrites nothing an earlier try finished.
SELECT e.id::text, coalesce(nullif(e.logs_analyzed, ''), e.error_message, ''),
       s.blacklisted_plugins, s.blacklisted_themes
FROM healer_executions e
JOIN wp_sites s ON s.id = e.site_id
WHERE e.id = ANY(%(ids)s::uuid[])
  AND e.ai_status = 'CLAIMED'
ORDER BY e.started_at, e.id
