-- The people's actions on one alert, oldest first.
SELECT action, actor, details, acted_at
FROM alert_actions
WHERE alert_id = %(alert_id)s
ORDER BY acted_at, id
