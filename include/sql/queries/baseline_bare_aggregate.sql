-- The benchmark's yardstick: a bare aggregate over the same rows as one baseline period.
SELECT site_id, count(*), avg(response_time_ms), avg(ttfb_ms), avg(page_size_bytes),
       avg(error::int)
FROM site_metrics
WHERE observed_at >= %(period_end)s - make_interval(days => %(days)s)
  AND observed_at < %(period_end)s
  AND (%(site_ids)s::uuid[] IS NULL OR site_id = ANY(%(site_ids)s::uuid[]))
GROUP BY site_id
