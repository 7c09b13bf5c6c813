-- Whether any site of a batch already has a row between its first and last observation in
-- the batch (one primary-key range probe per site). If none has, no row of the batch can
-- conflict on (site_id, observed_at).
SELECT EXISTS (
    SELECT 1
    FROM unnest(%(site_ids)s::uuid[], %(firsts)s::timestamptz[], %(lasts)s::timestamptz[])
         AS batch (site_id, first_at, last_at)
    WHERE EXISTS (SELECT 1 FROM site_metrics m
                  WHERE m.site_id = batch.site_id
                    AND m.observed_at BETWEEN batch.first_at AND batch.last_at)
);
