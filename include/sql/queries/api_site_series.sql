-- A site's response time and error rate in buckets of %(bucket_s)s seconds over
-- [%(since)s, %(until)s), each beside the band of normal from the site's latest baseline:
-- the seasonal profile's slot ("weekday:hour", ISO weekday, UTC; else "*:hour") when it has
-- one, else the overall median; band = median +- 3 * 1.4826 * MAD, floored at 0.
WITH base AS (
    SELECT median_response_time_ms AS median, mad_response_time_ms AS mad, seasonal_profile
    FROM performance_baselines
    WHERE site_id = %(site_id)s::uuid
    ORDER BY period_end DESC
    LIMIT 1
), buckets AS (
    SELECT to_timestamp(floor(extract(epoch FROM observed_at) / %(bucket_s)s) * %(bucket_s)s)
               AS bucket,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS median_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95_ms,
           avg(error::int) AS error_rate,
           count(*) AS samples
    FROM site_metrics
    WHERE site_id = %(site_id)s::uuid AND observed_at >= %(since)s AND observed_at < %(until)s
    GROUP BY 1
), banded AS (
    SELECT b.*,
           coalesce((base.seasonal_profile -> (extract(isodow FROM b.bucket AT TIME ZONE 'UTC')::int
                                               || ':' || extract(hour FROM b.bucket AT TIME ZONE 'UTC')::int)),
                    (base.seasonal_profile -> ('*:' || extract(hour FROM b.bucket AT TIME ZONE 'UTC')::int)))
               AS slot,
           base.median AS flat_median, base.mad AS flat_mad
    FROM buckets b LEFT JOIN base ON true
), band AS (
    SELECT bucket, median_ms, p95_ms, error_rate, samples,
           coalesce((slot ->> 'median')::float8, flat_median) AS base_median,
           coalesce((slot ->> 'mad')::float8, flat_mad) AS base_mad
    FROM banded
)
SELECT bucket AS at, samples,
       round(median_ms::numeric, 1)::float8 AS median_response_time_ms,
       round(p95_ms::numeric, 1)::float8 AS p95_response_time_ms,
       round(error_rate::numeric, 4)::float8 AS error_rate,
       round(base_median::numeric, 1)::float8 AS baseline_median_ms,
       round(greatest(base_median - 3 * 1.4826 * base_mad, 0)::numeric, 1)::float8
           AS band_low_ms,
       round((base_median + 3 * 1.4826 * base_mad)::numeric, 1)::float8 AS band_high_ms,
       coalesce(median_ms > base_median + 3 * 1.4826 * base_mad, false) AS outside_band
FROM band
ORDER BY bucket
