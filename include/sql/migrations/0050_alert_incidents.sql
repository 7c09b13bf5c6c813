-- Cross-site incidents: many sites degrading together (a hosting server, its database, the
-- network in front of it, the prober's own network) are one incident, not one page per site.
--
-- wp_sites.server: the hosting server / node a site lives on (NULL = unknown; such sites
-- are never grouped by server). Set with `healer-ops sites set-server`.
ALTER TABLE wp_sites ADD COLUMN server text CHECK (server IS NULL OR length(server) > 0);
CREATE INDEX wp_sites_server_idx ON wp_sites (server) WHERE server IS NOT NULL;

-- One incident groups the per-site alerts (which stay what people act on per site) that
-- opened together: scope 'server' (sites of one server) or 'fleet' (a large share of the
-- whole fleet, across servers). The id is deterministic (uuid5 of scope, server and the
-- first member's opened_at: healer_ops.operate.incidents), so re-running detection over an
-- interval leaves the same incidents. The counts and times are the members' (refreshed by
-- each grouping run); resolved_at is set when the last member resolves.
CREATE TABLE alert_incidents (
    id            uuid PRIMARY KEY,
    scope         text NOT NULL CHECK (scope IN ('server', 'fleet')),
    server        text,                       -- the server of a 'server' incident
    opened_at     timestamptz NOT NULL,       -- the first member's opened_at (data time)
    last_seen_at  timestamptz NOT NULL,
    resolved_at   timestamptz,                -- when the last member resolved
    site_count    integer NOT NULL,
    alert_count   integer NOT NULL,
    alert_types   text[] NOT NULL,
    max_severity  text NOT NULL CHECK (max_severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    summary       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'server') = (server IS NOT NULL))
);
CREATE INDEX alert_incidents_opened_idx ON alert_incidents (opened_at DESC, id);
CREATE INDEX alert_incidents_unresolved_idx ON alert_incidents (server, opened_at)
    WHERE resolved_at IS NULL;

ALTER TABLE predictive_alerts
    ADD COLUMN incident_id uuid REFERENCES alert_incidents (id) ON DELETE SET NULL;
CREATE INDEX predictive_alerts_incident_idx ON predictive_alerts (incident_id)
    WHERE incident_id IS NOT NULL;

-- The incident a notice was delivered as part of (NULL: sent on its own, or not yet sent).
-- An incident is announced on a channel once a notice went out with it; later members'
-- raises are then suppressed, not paged separately.
ALTER TABLE alert_notifications
    ADD COLUMN incident_id uuid REFERENCES alert_incidents (id) ON DELETE SET NULL;
CREATE INDEX alert_notifications_incident_idx ON alert_notifications (incident_id, channel)
    WHERE incident_id IS NOT NULL;
