-- Baseline statistics of every site for each period [period_end - days, period_end).
-- Parameters: period_ends timestamptz[], days int, site_ids uuid[] (NULL = every site).
-- One row per (site_id, period_end): the seed's averages, robust statistics (median, MAD, p95)
-- and the seasonal profile of response time: keys "weekday:hour" (ISO weekday 1-7, UTC hour)
-- when the data spans three weeks, "*:hour" when it spans three days (Datadog's three
-- seasons), else empty. MAD is the raw median absolute deviation (x 1.4826 for a sigma).
-- The rows are read once (obs); every later step works on that in-memory copy.
WITH periods AS (
    SELECT DISTINCT unnest(%(period_ends)s::timestamptz[]) AS period_end
),
obs AS MATERIALIZED (
    SELECT p.period_end, m.site_id, m.observed_at,
           m.response_time_ms AS rt, m.ttfb_ms AS ttfb, m.page_size_bytes::float8 AS page,
           m.error::int AS err,
           date_part('isodow', m.observed_at AT TIME ZONE 'UTC')::int AS dow,
           date_part('hour', m.observed_at AT TIME ZONE 'UTC')::int AS hod
    FROM periods p
    JOIN site_metrics m
      ON m.observed_at >= p.period_end - make_interval(days => %(days)s)
     AND m.observed_at < p.period_end
    WHERE %(site_ids)s::uuid[] IS NULL OR m.site_id = ANY(%(site_ids)s::uuid[])
),
overall AS MATERIALIZED (
    SELECT period_end, site_id,
           count(*) AS sample_size,
           avg(rt) AS avg_rt,
           percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY rt) AS rt_q,
           avg(ttfb) AS avg_ttfb,
           percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ttfb) AS ttfb_q,
           avg(page) AS avg_page,
           percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY page) AS page_q,
           avg(err)::float8 AS avg_error_rate,
           date_part('epoch', max(observed_at) - min(observed_at)) / 86400.0 AS history_days
    FROM obs
    GROUP BY period_end, site_id
),
leveled AS MATERIALIZED (
    SELECT *, CASE WHEN history_days >= 20.95 THEN 'weekday_hour'
                   WHEN history_days >= 2.95 THEN 'hour'
                   ELSE 'none' END AS seasonality
    FROM overall
),
-- Each observation with its deviations from the period's medians and its seasonal bucket.
keyed AS MATERIALIZED (
    SELECT o.period_end, o.site_id, o.rt,
           abs(o.rt - l.rt_q[1]) AS rt_dev,
           abs(o.ttfb - l.ttfb_q[1]) AS ttfb_dev,
           abs(o.page - l.page_q[1]) AS page_dev,
           CASE l.seasonality WHEN 'weekday_hour' THEN o.dow * 100 + o.hod
                              WHEN 'hour' THEN o.hod END AS bucket
    FROM obs o
    JOIN leveled l USING (period_end, site_id)
),
spread AS (
    SELECT period_end, site_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY rt_dev) AS mad_rt,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ttfb_dev) AS mad_ttfb,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY page_dev) AS mad_page
    FROM keyed
    GROUP BY period_end, site_id
),
buckets AS MATERIALIZED (
    SELECT period_end, site_id, bucket, count(rt) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY rt) AS med
    FROM keyed
    WHERE bucket IS NOT NULL
    GROUP BY period_end, site_id, bucket
),
profiles AS MATERIALIZED (
    SELECT b.period_end, b.site_id,
           jsonb_object_agg(CASE WHEN b.bucket >= 100 THEN (b.bucket / 100) || ':'
                                 || (b.bucket %% 100) ELSE '*:' || b.bucket END,
                            jsonb_build_object('median', b.med, 'mad', b.mad, 'n', b.n))
               AS profile
    FROM (
        SELECT b.period_end, b.site_id, b.bucket, b.n, b.med,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(k.rt - b.med)) AS mad
        FROM buckets b
        JOIN keyed k USING (period_end, site_id, bucket)
        WHERE b.n > 0
        GROUP BY b.period_end, b.site_id, b.bucket, b.n, b.med
    ) b
    GROUP BY b.period_end, b.site_id
)
SELECT l.site_id,
       l.period_end - make_interval(days => %(days)s) AS period_start,
       l.period_end,
       l.avg_rt AS avg_response_time_ms,
       l.rt_q[1] AS median_response_time_ms,
       l.rt_q[2] AS p95_response_time_ms,
       s.mad_rt AS mad_response_time_ms,
       l.avg_ttfb AS avg_ttfb_ms,
       l.ttfb_q[1] AS median_ttfb_ms,
       l.ttfb_q[2] AS p95_ttfb_ms,
       s.mad_ttfb AS mad_ttfb_ms,
       l.avg_page AS avg_page_size_bytes,
       l.page_q[1] AS median_page_size_bytes,
       l.page_q[2] AS p95_page_size_bytes,
       s.mad_page AS mad_page_size_bytes,
       l.avg_error_rate,
       l.sample_size,
       l.history_days,
       l.seasonality,
       coalesce(p.profile, '{}'::jsonb) AS seasonal_profile
FROM leveled l
JOIN spread s USING (period_end, site_id)
LEFT JOIN profiles p USING (period_end, site_id)
