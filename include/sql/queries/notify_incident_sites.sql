-- The sites of an incident for its message, first to alert first, at most %(limit)s.
SELECT s.domain, array_agg(DISTINCT a.alert_type ORDER BY a.alert_type) AS alert_types
FROM predictive_alerts a
JOIN wp_sites s ON s.id = a.site_id
WHERE a.incident_id = %(incident_id)s::uuid
GROUP BY s.domain
ORDER BY min(a.opened_at), s.domain
LIMIT %(limit)s
