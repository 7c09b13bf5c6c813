-- The id stored under each of these domains (to catch a fleet generated into a database
-- whose sites have other ids).
SELECT domain, id::text
FROM wp_sites
WHERE domain = ANY(%(domains)s)
