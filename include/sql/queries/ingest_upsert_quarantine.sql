-- Keep each rejected row once per (source, locator); a re-run with the same verdict changes
-- nothing, a changed verdict (e.g. other reasons) replaces the old one.
INSERT INTO metric_quarantine AS q (source, locator, raw, reasons, run_id)
SELECT source, locator, raw, reasons, run_id
FROM ingest_quarantine_staging
ON CONFLICT (source, locator) DO UPDATE SET
    raw            = EXCLUDED.raw,
    reasons        = EXCLUDED.reasons,
    run_id         = EXCLUDED.run_id,
    quarantined_at = now()
WHERE (q.raw, q.reasons) IS DISTINCT FROM (EXCLUDED.raw, EXCLUDED.reasons);
