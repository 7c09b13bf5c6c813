-- Session-local staging for one binary COPY of validated metrics (emptied before each use).
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
    site_id          uuid,
    observed_at      timestamptz,
    response_time_ms double precision,
    ttfb_ms          double precision,
    page_size_bytes  bigint,
    status_code      smallint,
    error            boolean,
    error_class      text,
    wsod_marker      boolean,
    cert_expires_at  timestamptz
);
TRUNCATE ingest_staging;
