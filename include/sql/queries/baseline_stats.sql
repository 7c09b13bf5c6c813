-- Baseline statistics of every site for the period [period_end - days, period_end).
-- Parameters: period_end timestamptz, days int, site_ids uuid[] (NULL = every site).
-- One row per site: the seed's averages, robust statistics (median, MAD, p95) and the seasonal
-- profile of response time: keys "weekday:hour" (ISO weekday 1-7, UTC hour) when the data
-- spans three weeks, "*:hour" when it spans three days (Datadog's three seasons), else empty.
-- MAD is the raw median absolute deviation (x 1.4826 for a sigma). Every statistic is exact.
--
-- One parallel pass over the rows gathers each site's values into arrays (with the averages,
-- counts and span in the same pass); each site's medians, p95 and MADs are then sorts of its
-- own few thousand values, which stay in the CPU cache, instead of sorts of the whole period.
WITH per_site AS (
    SELECT m.site_id,
           count(*) AS sample_size,
           avg(m.response_time_ms) AS avg_rt,
           avg(m.ttfb_ms) AS avg_ttfb,
           avg(m.page_size_bytes::float8) AS avg_page,
           avg(m.error::int)::float8 AS avg_error_rate,
           date_part('epoch', max(m.observed_at) - min(m.observed_at)) / 86400.0 AS history_days,
           array_agg(m.response_time_ms) AS rt,
           array_agg(m.ttfb_ms) AS ttfb,
           array_agg(m.page_size_bytes::float8) AS page,
           -- hour of the week, 0 = Monday 00:00 UTC
           array_agg(((date_part('isodow', m.observed_at AT TIME ZONE 'UTC')::int - 1) * 24
                      + date_part('hour', m.observed_at AT TIME ZONE 'UTC')::int)::int2) AS week_hour
    FROM site_metrics m
    WHERE m.observed_at >= %(period_end)s::timestamptz - make_interval(days => %(days)s)
      AND m.observed_at < %(period_end)s::timestamptz
      AND (%(site_ids)s::uuid[] IS NULL OR m.site_id = ANY(%(site_ids)s::uuid[]))
    GROUP BY m.site_id
),
leveled AS (
    SELECT *, CASE WHEN history_days >= 20.95 THEN 'weekday_hour'
                   WHEN history_days >= 2.95 THEN 'hour'
                   ELSE 'none' END AS seasonality
    FROM per_site
)
SELECT l.site_id,
       %(period_end)s::timestamptz - make_interval(days => %(days)s) AS period_start,
       %(period_end)s::timestamptz AS period_end,
       l.avg_rt AS avg_response_time_ms,
       rt.q[1] AS median_response_time_ms,
       rt.q[2] AS p95_response_time_ms,
       rt_mad.mad AS mad_response_time_ms,
       l.avg_ttfb AS avg_ttfb_ms,
       ttfb.q[1] AS median_ttfb_ms,
       ttfb.q[2] AS p95_ttfb_ms,
       ttfb_mad.mad AS mad_ttfb_ms,
       l.avg_page AS avg_page_size_bytes,
       page.q[1] AS median_page_size_bytes,
       page.q[2] AS p95_page_size_bytes,
       page_mad.mad AS mad_page_size_bytes,
       l.avg_error_rate,
       l.sample_size,
       l.history_days,
       l.seasonality,
       coalesce(profile.profile, '{}'::jsonb) AS seasonal_profile
FROM leveled l
CROSS JOIN LATERAL (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY v) AS q
                    FROM (SELECT unnest(l.rt) AS v) x) rt
CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - rt.q[1])) AS mad
                    FROM (SELECT unnest(l.rt) AS v) x) rt_mad
CROSS JOIN LATERAL (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY v) AS q
                    FROM (SELECT unnest(l.ttfb) AS v) x) ttfb
CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - ttfb.q[1])) AS mad
                    FROM (SELECT unnest(l.ttfb) AS v) x) ttfb_mad
CROSS JOIN LATERAL (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY v) AS q
                    FROM (SELECT unnest(l.page) AS v) x) page
CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - page.q[1])) AS mad
                    FROM (SELECT unnest(l.page) AS v) x) page_mad
CROSS JOIN LATERAL (
    SELECT jsonb_object_agg(CASE l.seasonality WHEN 'weekday_hour' THEN (c.cell / 24 + 1) || ':' || (c.cell %% 24)
                                               ELSE '*:' || c.cell END,
                            jsonb_build_object('median', med.median, 'mad', mad.mad, 'n', c.n)) AS profile
    FROM (SELECT CASE l.seasonality WHEN 'weekday_hour' THEN x.week_hour ELSE x.week_hour %% 24 END AS cell,
                 count(*) AS n, array_agg(x.v) AS vs
          FROM (SELECT unnest(l.week_hour) AS week_hour, unnest(l.rt) AS v) x
          WHERE x.v IS NOT NULL AND l.seasonality <> 'none'
          GROUP BY 1) c
    CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS median
                        FROM (SELECT unnest(c.vs) AS v) x) med
    CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - med.median)) AS mad
                        FROM (SELECT unnest(c.vs) AS v) x) mad
) profile
