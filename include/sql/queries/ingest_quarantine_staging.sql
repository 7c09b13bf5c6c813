-- Session-local staging for rejected rows (emptied before each use).
CREATE TEMP TABLE IF NOT EXISTS ingest_quarantine_staging (
    source  text,
    locator text,
    raw     jsonb,
    reasons text[],
    run_id  text
);
TRUNCATE ingest_quarantine_staging;
