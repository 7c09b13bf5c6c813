-- One site of a loopback fleet server, keyed by domain: its url points at the server; its
-- hosting server as the demo generator names it (web-1 for sites 1-10, ...).
INSERT INTO wp_sites (id, domain, url, is_healer_enabled, server)
VALUES (%(id)s, %(domain)s, %(url)s, %(is_healer_enabled)s, %(server)s)
ON CONFLICT (domain) DO UPDATE SET
    url = EXCLUDED.url,
    is_healer_enabled = EXCLUDED.is_healer_enabled,
    server = EXCLUDED.server
