-- The partitions of site_metrics with their ranges [lower, upper) (NULL for the default
-- partition), their row estimate and size on disk, oldest first.
SELECT c.relname AS name,
       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::timestamptz
           AS lower,
       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
           AS upper,
       pg_total_relation_size(c.oid) AS bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'site_metrics'::regclass
ORDER BY lower NULLS LAST
