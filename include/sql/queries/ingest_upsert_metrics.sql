-- Upsert the staged metrics on the natural key. A row that is already there with the same
-- values is left alone, so re-running an interval changes nothing (not even ingested_at).
INSERT INTO site_metrics AS m (site_id, observed_at, response_time_ms, ttfb_ms, page_size_bytes,
                               status_code, error, error_class, wsod_marker, cert_expires_at,
                               source)
SELECT site_id, observed_at, response_time_ms, ttfb_ms, page_size_bytes, status_code, error,
       error_class, wsod_marker, cert_expires_at, %(source)s
FROM ingest_staging
ON CONFLICT (site_id, observed_at) DO UPDATE SET
    response_time_ms = EXCLUDED.response_time_ms,
    ttfb_ms          = EXCLUDED.ttfb_ms,
    page_size_bytes  = EXCLUDED.page_size_bytes,
    status_code      = EXCLUDED.status_code,
    error            = EXCLUDED.error,
    error_class      = EXCLUDED.error_class,
    wsod_marker      = EXCLUDED.wsod_marker,
    cert_expires_at  = EXCLUDED.cert_expires_at,
    source           = EXCLUDED.source,
    ingested_at      = now()
WHERE (m.response_time_ms, m.ttfb_ms, m.page_size_bytes, m.status_code, m.error, m.error_class,
       m.wsod_marker, m.cert_expires_at, m.source)
      IS DISTINCT FROM
      (EXCLUDED.response_time_ms, EXCLUDED.ttfb_ms, EXCLUDED.page_size_bytes,
       EXCLUDED.status_code, EXCLUDED.error, EXCLUDED.error_class, EXCLUDED.wsod_marker,
       EXCLUDED.cert_expires_at, EXCLUDED.source);
