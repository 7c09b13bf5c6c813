-- Baseline statistics of every site for the period [period_end - days, period_end).
-- Parameters: period_end timestamptz, days int, site_ids uuid[] (NULL = every site).
-- One row per site: the seed's averages, robust statistics (median, MAD, p95) and the seasonal
-- profile of response time: keys "weekday:hour" (ISO weekday 1-7, UTC hour) when the data
-- spans three weeks, "*:hour" when it spans three days (Datadog's three seasons), else empty.
-- MAD is the raw median absolute deviation (x 1.4826 for a sigma). Every statistic is exact.
-- typical_error_rate: the median of the daily error rates (UTC days holding at least a
-- quarter of the site's fullest day's probes) when there are three such days, else the
-- average (migration 0051: one outage does not blunt the error test for the whole period).
--
-- Source (param source): 'raw' reads site_metrics; 'hourly' reads the hourly roll-ups
-- (site_metrics_hourly, migration 0041) of the hours inside the period (its bounds on whole
-- hours), whose sorted values give the same statistics and whose sums, counts and first/last
-- times give the same averages, rates and span. The branch not chosen is skipped at run time.
--
-- One parallel pass over the rows gathers each site's values into arrays (with the averages,
-- counts and span in the same pass). Each site's values are then sorted on their own (a few
-- thousand at a time, in the CPU cache, instead of sorts of the whole period), and
-- baseline_robust_stats (migration 0006) reads median, p95 and MAD off each sorted array.
-- A second pass, grouped by site and UTC day, gives the daily error rates.
WITH raw_rows AS NOT MATERIALIZED (  -- the period's rows (inlined where read: no copy)
    SELECT * FROM site_metrics m
    WHERE %(source)s = 'raw'
      AND m.observed_at >= %(period_end)s::timestamptz - make_interval(days => %(days)s)
      AND m.observed_at < %(period_end)s::timestamptz
      AND (%(site_ids)s::uuid[] IS NULL OR m.site_id = ANY(%(site_ids)s::uuid[]))
),
hourly_rows AS NOT MATERIALIZED (
    SELECT * FROM site_metrics_hourly h
    WHERE %(source)s = 'hourly'
      AND h.hour >= %(period_end)s::timestamptz - make_interval(days => %(days)s)
      AND h.hour < %(period_end)s::timestamptz
      AND (%(site_ids)s::uuid[] IS NULL OR h.site_id = ANY(%(site_ids)s::uuid[]))
),
per_site AS (
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
    FROM raw_rows m
    GROUP BY m.site_id
    UNION ALL
    -- one row per value of an hour (unnest pads the shorter value arrays with NULLs, which
    -- the statistics skip as they skip raw NULLs); the hour's counts and sums count once,
    -- on its first row (x.k = 1; the ARRAY[1] gives an hour without values that row too)
    SELECT h.site_id,
           sum(h.samples) FILTER (WHERE x.k = 1) AS sample_size,
           sum(h.rt_sum) FILTER (WHERE x.k = 1)
               / nullif(sum(h.rt_n) FILTER (WHERE x.k = 1), 0) AS avg_rt,
           sum(h.ttfb_sum) FILTER (WHERE x.k = 1)
               / nullif(sum(h.ttfb_n) FILTER (WHERE x.k = 1), 0) AS avg_ttfb,
           sum(h.page_sum) FILTER (WHERE x.k = 1)
               / nullif(sum(h.page_n) FILTER (WHERE x.k = 1), 0) AS avg_page,
           (sum(h.errors) FILTER (WHERE x.k = 1)::numeric
               / sum(h.samples) FILTER (WHERE x.k = 1))::float8 AS avg_error_rate,
           date_part('epoch', max(h.last_at) - min(h.first_at)) / 86400.0 AS history_days,
           array_agg(x.rt) AS rt,
           array_agg(x.ttfb) AS ttfb,
           array_agg(x.page) AS page,
           array_agg(((date_part('isodow', h.hour AT TIME ZONE 'UTC')::int - 1) * 24
                      + date_part('hour', h.hour AT TIME ZONE 'UTC')::int)::int2) AS week_hour
    FROM hourly_rows h
    CROSS JOIN LATERAL unnest(h.rt_values, h.ttfb_values, h.page_values, ARRAY[1])
        WITH ORDINALITY AS x (rt, ttfb, page, one, k)
    GROUP BY h.site_id
),
daily_errors AS (
    SELECT m.site_id, avg(m.error::int)::float8 AS rate, count(*) AS samples
    FROM raw_rows m
    GROUP BY m.site_id, date_trunc('day', m.observed_at AT TIME ZONE 'UTC')
    UNION ALL
    SELECT h.site_id, (sum(h.errors)::numeric / nullif(sum(h.samples), 0))::float8,
           sum(h.samples)
    FROM hourly_rows h
    GROUP BY h.site_id, date_trunc('day', h.hour AT TIME ZONE 'UTC')
),
typical_errors AS (
    SELECT site_id, count(*) AS days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY rate) AS median_daily_rate
    FROM (SELECT *, max(samples) OVER (PARTITION BY site_id) AS fullest
          FROM daily_errors WHERE rate IS NOT NULL) d
    WHERE samples >= 0.25 * fullest
    GROUP BY site_id
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
       rt.median AS median_response_time_ms,
       rt.p95 AS p95_response_time_ms,
       rt.mad AS mad_response_time_ms,
       l.avg_ttfb AS avg_ttfb_ms,
       ttfb.median AS median_ttfb_ms,
       ttfb.p95 AS p95_ttfb_ms,
       ttfb.mad AS mad_ttfb_ms,
       l.avg_page AS avg_page_size_bytes,
       page.median AS median_page_size_bytes,
       page.p95 AS p95_page_size_bytes,
       page.mad AS mad_page_size_bytes,
       l.avg_error_rate,
       CASE WHEN t.days >= 3 THEN t.median_daily_rate ELSE l.avg_error_rate END
           AS typical_error_rate,
       l.sample_size,
       l.history_days,
       l.seasonality,
       coalesce(profile.profile, '{}'::jsonb) AS seasonal_profile
FROM leveled l
LEFT JOIN typical_errors t ON t.site_id = l.site_id
CROSS JOIN LATERAL (SELECT array_agg(v ORDER BY v) AS sorted
                    FROM (SELECT unnest(l.rt) AS v) x WHERE v IS NOT NULL) rt_sorted
LEFT JOIN LATERAL baseline_robust_stats(rt_sorted.sorted) rt ON true
CROSS JOIN LATERAL (SELECT array_agg(v ORDER BY v) AS sorted
                    FROM (SELECT unnest(l.ttfb) AS v) x WHERE v IS NOT NULL) ttfb_sorted
LEFT JOIN LATERAL baseline_robust_stats(ttfb_sorted.sorted) ttfb ON true
CROSS JOIN LATERAL (SELECT array_agg(v ORDER BY v) AS sorted
                    FROM (SELECT unnest(l.page) AS v) x WHERE v IS NOT NULL) page_sorted
LEFT JOIN LATERAL baseline_robust_stats(page_sorted.sorted) page ON true
CROSS JOIN LATERAL (
    SELECT jsonb_object_agg(CASE l.seasonality WHEN 'weekday_hour'
                                THEN (c.cell / 24 + 1) || ':' || (c.cell %% 24)
                                ELSE '*:' || c.cell END,
                            jsonb_build_object('median', r.median, 'mad', r.mad, 'n', c.n)) AS profile
    FROM (SELECT CASE l.seasonality WHEN 'weekday_hour' THEN x.week_hour
                                    ELSE x.week_hour %% 24 END AS cell,
                 count(*) AS n, array_agg(x.v ORDER BY x.v) AS sorted
          FROM (SELECT unnest(l.week_hour) AS week_hour, unnest(l.rt) AS v) x
          WHERE x.v IS NOT NULL AND l.seasonality <> 'none'
          GROUP BY 1) c
    CROSS JOIN LATERAL baseline_robust_stats(c.sorted) r
) profile
