-- Retention bookkeeping: the raw days (site_metrics partitions) dropped after their hourly
-- roll-up was checked. The roll-up never recomputes an hour of a dropped day from whatever
-- raw rows arrive for it later (that would replace a whole hour's figures with a few late
-- rows); such late rows are dropped again by the next retention run.
CREATE TABLE site_metrics_dropped_days (
    day          timestamptz PRIMARY KEY,     -- UTC day start
    partition    text NOT NULL,               -- the partition it was part of
    raw_rows     bigint NOT NULL,             -- rows dropped (= samples of its roll-ups)
    dropped_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX metric_quarantine_quarantined_at_idx ON metric_quarantine (quarantined_at);
CREATE INDEX predictive_alerts_resolved_idx ON predictive_alerts
    ((greatest(resolved_at, manually_resolved_at)))
    WHERE status = 'resolved' OR manually_resolved_at IS NOT NULL;
