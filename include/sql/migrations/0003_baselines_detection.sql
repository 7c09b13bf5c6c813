-- Baselines: the robust statistics 0001 lacks, and which seasonal level the profile holds.
ALTER TABLE performance_baselines
    ADD COLUMN p95_ttfb_ms          double precision,
    ADD COLUMN p95_page_size_bytes  double precision,
    ADD COLUMN history_days         double precision,  -- span of the data inside the period
    ADD COLUMN seasonality          text NOT NULL DEFAULT 'none'
        CHECK (seasonality IN ('weekday_hour', 'hour', 'none'));

CREATE INDEX performance_baselines_site_end_idx ON performance_baselines (site_id, period_end);
CREATE INDEX predictive_alerts_site_idx ON predictive_alerts (site_id, opened_at);

-- Where asset-triggered anomaly detection stopped: the end of the last complete window it
-- scored. One row per scope ('fleet' for whole-fleet runs).
CREATE TABLE detection_watermarks (
    scope            text PRIMARY KEY,
    processed_until  timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
