-- Delete up to %(batch)s alerts resolved (by detection or by hand) before %(before)s, with
-- their people's actions and notices (which reference them).
WITH doomed AS (
    SELECT id FROM predictive_alerts
    WHERE (status = 'resolved' OR manually_resolved_at IS NOT NULL)
      AND greatest(resolved_at, manually_resolved_at) < %(before)s
    ORDER BY greatest(resolved_at, manually_resolved_at)
    LIMIT %(batch)s
), actions AS (
    DELETE FROM alert_actions WHERE alert_id IN (SELECT id FROM doomed)
), notices AS (
    DELETE FROM alert_notifications WHERE alert_id IN (SELECT id FROM doomed)
)
DELETE FROM predictive_alerts WHERE id IN (SELECT id FROM doomed)
