-- Where each probe shard starts: the enabled sites (optionally only the given ids) in id
-- order, every %(size)s-th one. Shard k probes the ids from its start up to the next shard's.
SELECT id::text
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
      FROM wp_sites
      WHERE is_healer_enabled
        AND (%(site_ids)s::uuid[] IS NULL OR id = ANY (%(site_ids)s::uuid[]))) AS sites
WHERE (n - 1) %% %(size)s = 0
ORDER BY id;
