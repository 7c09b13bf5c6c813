-- One demo fleet site, keyed by domain; a re-run updates what the generator decides.
INSERT INTO wp_sites (id, domain, url, path, wp_version, php_version, healing_mode,
                      blacklisted_plugins, health_status, created_at, server)
VALUES (%(id)s, %(domain)s, %(url)s, %(path)s, %(wp_version)s, %(php_version)s,
        %(healing_mode)s, %(blacklisted_plugins)s, 'HEALTHY', %(created_at)s, %(server)s)
ON CONFLICT (domain) DO UPDATE SET
    url = EXCLUDED.url,
    path = EXCLUDED.path,
    wp_version = EXCLUDED.wp_version,
    php_version = EXCLUDED.php_version,
    healing_mode = EXCLUDED.healing_mode,
    blacklisted_plugins = EXCLUDED.blacklisted_plugins,
    server = EXCLUDED.server
