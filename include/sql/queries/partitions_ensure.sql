-- Create the missing daily partitions of site_metrics for [%(from_at)s, %(to_at)s]
-- (migration 0040); the names created.
SELECT site_metrics_ensure_partitions(%(from_at)s::timestamptz, %(to_at)s::timestamptz)
