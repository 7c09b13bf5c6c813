-- The sites to probe: enabled ones, optionally only the given ids.
SELECT id::text, url
FROM wp_sites
WHERE is_healer_enabled
  AND (%(site_ids)s::uuid[] IS NULL OR id = ANY (%(site_ids)s::uuid[]))
ORDER BY id;
