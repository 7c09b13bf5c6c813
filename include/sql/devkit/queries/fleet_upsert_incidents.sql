-- One labelled incident of the demo fleet (its ground truth), keyed by id.
INSERT INTO devkit.demo_incidents (id, site_id, incident_type, starts_at, outage_at, ends_at,
                                   expected_alert_types, details)
VALUES (%(id)s, %(site_id)s, %(incident_type)s, %(starts_at)s, %(outage_at)s, %(ends_at)s,
        %(expected_alert_types)s, %(details)s)
ON CONFLICT (id) DO UPDATE SET
    site_id = EXCLUDED.site_id,
    incident_type = EXCLUDED.incident_type,
    starts_at = EXCLUDED.starts_at,
    outage_at = EXCLUDED.outage_at,
    ends_at = EXCLUDED.ends_at,
    expected_alert_types = EXCLUDED.expected_alert_types,
    details = EXCLUDED.details
