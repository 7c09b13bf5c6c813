-- The outbox by status and channel (a drain's summary and `healer-ops notify status`).
SELECT channel, status, count(*) FROM alert_notifications GROUP BY channel, status
ORDER BY channel, status
