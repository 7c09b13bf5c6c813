-- A run replaces the alerts opened inside its interval: rows it no longer produces are
-- marked superseded, never deleted (people may have acknowledged, labelled or been notified
-- of them; the alert lifecycle contract in README "Alert lifecycle").
UPDATE predictive_alerts
SET status = 'superseded', superseded_at = now(), updated_at = now()
WHERE site_id = ANY(%(site_ids)s::uuid[])
  AND opened_at >= %(since)s AND opened_at < %(until)s
  AND status <> 'superseded'
  AND (dedup_key, opened_at) NOT IN (
      SELECT k, o FROM unnest(%(keys)s::text[], %(opened)s::timestamptz[]) AS kept (k, o))
