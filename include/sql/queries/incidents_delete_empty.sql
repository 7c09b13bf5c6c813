-- Incidents left without members (their alerts superseded, or purged by retention).
DELETE FROM alert_incidents i
WHERE NOT EXISTS (SELECT 1 FROM predictive_alerts a WHERE a.incident_id = i.id)
