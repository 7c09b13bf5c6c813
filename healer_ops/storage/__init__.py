"""Fleet-scale storage of site_metrics: daily partitions, hourly roll-ups, retention.

- `partitions`: site_metrics is partitioned by UTC day (migration 0040); partitions are
  created ahead by the ingest path and the retention DAG, a default partition catches the
  rest and its rows move out when their day's partition is created.
- `rollup`: site_metrics_hourly (migration 0041), one row per site per UTC hour, recomputed
  from the raw rows of the hours that changed (every write marks its hours pending).
- `retention`: drops raw days past `HEALER_METRICS_RAW_RETENTION_DAYS` once their roll-up
  is checked complete, and old quarantine rows and resolved alerts.
"""
