-- One site of a loopback fleet server, keyed by domain: its url points at the server.
INSERT INTO wp_sites (id, domain, url, is_healer_enabled)
VALUES (%(id)s, %(domain)s, %(url)s, %(is_healer_enabled)s)
ON CONFLICT (domain) DO UPDATE SET
    url = EXCLUDED.url,
    is_healer_enabled = EXCLUDED.is_healer_enabled
