-- The audit trail of people's actions on alerts.
INSERT INTO alert_actions (alert_id, action, actor, details, acted_at)
VALUES (%(alert_id)s, %(action)s, %(actor)s, %(details)s, %(acted_at)s)
