-- Every plugin some site forbids touching unattended (wp_sites.blacklisted_plugins).
SELECT DISTINCT unnest(blacklisted_plugins) AS plugin FROM wp_sites ORDER BY 1
