-- Ground truth of the demo fleet, to score alerts against.
SELECT id, site_id::text AS site_id, incident_type, starts_at, outage_at, ends_at,
       expected_alert_types, details
FROM devkit.demo_incidents
ORDER BY starts_at, id
