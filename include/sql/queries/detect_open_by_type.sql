-- Open alerts of the scored sites, by alert type (the detection run's summary).
SELECT alert_type, count(*)
FROM predictive_alerts
WHERE status = 'open' AND site_id = ANY(%(site_ids)s::uuid[])
GROUP BY alert_type
