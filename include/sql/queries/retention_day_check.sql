-- Whether a raw range [%(lower)s, %(upper)s) is fully rolled up: its row count, the samples of
-- its hours' roll-ups, and how many of its hours are still pending.
SELECT (SELECT count(*) FROM site_metrics
        WHERE observed_at >= %(lower)s AND observed_at < %(upper)s) AS raw_rows,
       (SELECT coalesce(sum(samples), 0) FROM site_metrics_hourly
        WHERE hour >= %(lower)s AND hour < %(upper)s) AS rolled_up_samples,
       (SELECT count(*) FROM site_metrics_hours_pending
        WHERE hour >= %(lower)s AND hour < %(upper)s) AS pending_hours
