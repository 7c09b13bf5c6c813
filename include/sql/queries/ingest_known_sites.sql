-- Every site id a metrics row may refer to.
SELECT id::text FROM wp_sites;
