-- Incidents for people: open (not resolved), resolved or all, of one scope or server,
-- newest first, one page at a time; total counts the whole filtered set.
SELECT i.id::text AS id, i.scope, i.server,
       CASE WHEN i.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS state,
       i.opened_at, i.last_seen_at, i.resolved_at, i.site_count, i.alert_count,
       i.alert_types, i.max_severity, i.summary, i.created_at, i.updated_at,
       count(*) OVER () AS total
FROM alert_incidents i
WHERE (%(state)s = 'all' OR (%(state)s = 'open') = (i.resolved_at IS NULL))
  AND (%(scope)s::text IS NULL OR i.scope = %(scope)s)
  AND (%(server)s::text IS NULL OR i.server = %(server)s)
ORDER BY i.opened_at DESC, i.id
LIMIT %(limit)s OFFSET %(offset)s
