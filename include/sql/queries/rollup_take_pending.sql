-- Take the pending hours that end at or before %(until)s (their entries deleted; a writer
-- that commits later adds its own entry again). One row per distinct hour, oldest first.
WITH taken AS (
    DELETE FROM site_metrics_hours_pending
    WHERE hour <= %(until)s::timestamptz - interval '1 hour'
    RETURNING hour
)
SELECT DISTINCT hour FROM taken ORDER BY hour
