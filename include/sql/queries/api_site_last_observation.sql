-- The time of a site's latest observation (where its charts end by default).
SELECT max(observed_at) FROM site_metrics WHERE site_id = %(site_id)s::uuid
