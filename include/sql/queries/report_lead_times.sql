-- Outages (DOWNTIME alerts opened in [since, until)) and how long before each the site had a
-- warning: the earliest PERFORMANCE_DEGRADATION or ERROR_SPIKE alert of the same site opened
-- in the 48 hours before, still open (or resolved less than an hour before) at the outage,
-- and not labelled a false alarm. lead_hours is NULL for an outage nobody was warned of.
SELECT o.id, o.site_id::text AS site_id, o.opened_at,
       extract(epoch FROM o.opened_at - min(w.opened_at)) / 3600.0 AS lead_hours
FROM predictive_alerts o
LEFT JOIN predictive_alerts w
       ON w.site_id = o.site_id
      AND w.alert_type IN ('PERFORMANCE_DEGRADATION', 'ERROR_SPIKE')
      AND w.status <> 'superseded'
      AND w.label IS DISTINCT FROM false
      AND w.opened_at < o.opened_at
      AND w.opened_at >= o.opened_at - interval '48 hours'
      AND coalesce(w.resolved_at, 'infinity') >= o.opened_at - interval '1 hour'
WHERE o.alert_type = 'DOWNTIME' AND o.status <> 'superseded'
  AND o.opened_at >= %(since)s AND o.opened_at < %(until)s
GROUP BY o.id, o.site_id, o.opened_at
ORDER BY o.opened_at
