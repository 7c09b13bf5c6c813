-- One incident for people.
SELECT i.id::text AS id, i.scope, i.server,
       CASE WHEN i.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS state,
       i.opened_at, i.last_seen_at, i.resolved_at, i.site_count, i.alert_count,
       i.alert_types, i.max_severity, i.summary, i.created_at, i.updated_at
FROM alert_incidents i
WHERE i.id = %(id)s::uuid
