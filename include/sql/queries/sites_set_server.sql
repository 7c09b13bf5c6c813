-- Set the hosting server of sites by domain (NULL: unknown); unchanged rows are left alone.
UPDATE wp_sites s
SET server = p.server
FROM unnest(%(domains)s::text[], %(servers)s::text[]) AS p (domain, server)
WHERE lower(s.domain) = p.domain
  AND s.server IS DISTINCT FROM p.server
