-- A run replaces the alerts opened inside its interval: rows it no longer produces go.
DELETE FROM predictive_alerts
WHERE site_id = ANY(%(site_ids)s::uuid[])
  AND opened_at >= %(since)s AND opened_at < %(until)s
  AND (dedup_key, opened_at) NOT IN (
      SELECT k, o FROM unnest(%(keys)s::text[], %(opened)s::timestamptz[]) AS kept (k, o))
