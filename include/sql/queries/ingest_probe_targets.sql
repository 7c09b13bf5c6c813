-- The sites to probe: enabled ones, optionally only the given ids, optionally only one
-- shard's key range [from_id, to_id) (NULL bounds: open).
SELECT id::text, url
FROM wp_sites
WHERE is_healer_enabled
  AND (%(site_ids)s::uuid[] IS NULL OR id = ANY (%(site_ids)s::uuid[]))
  AND (%(from_id)s::uuid IS NULL OR id >= %(from_id)s::uuid)
  AND (%(to_id)s::uuid IS NULL OR id < %(to_id)s::uuid)
ORDER BY id;
