-- A new incident, keyed by its deterministic id (a re-run inserts nothing); its counts and
-- summary are filled in by incidents_update once its members are linked.
INSERT INTO alert_incidents (id, scope, server, opened_at, last_seen_at, site_count,
                             alert_count, alert_types, max_severity, summary)
VALUES (%(id)s, %(scope)s, %(server)s, %(opened_at)s, %(opened_at)s, 0, 0, '{}', 'LOW', '')
ON CONFLICT (id) DO NOTHING
