-- Where asset-triggered detection of a scope stopped, and the range of the data there is.
SELECT (SELECT processed_until FROM detection_watermarks WHERE scope = %(scope)s) AS processed_until,
       min(observed_at) AS first_observed_at,
       max(observed_at) AS last_observed_at
FROM site_metrics
