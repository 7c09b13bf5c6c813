-- An incident's figures from its members (left alone when nothing changed).
UPDATE alert_incidents
SET opened_at = %(opened_at)s, last_seen_at = %(last_seen_at)s, resolved_at = %(resolved_at)s,
    site_count = %(site_count)s, alert_count = %(alert_count)s,
    alert_types = %(alert_types)s, max_severity = %(max_severity)s, summary = %(summary)s,
    updated_at = now()
WHERE id = %(id)s::uuid
  AND (opened_at, last_seen_at, resolved_at, site_count, alert_count, alert_types,
       max_severity, summary)
      IS DISTINCT FROM
      (%(opened_at)s::timestamptz, %(last_seen_at)s::timestamptz,
       %(resolved_at)s::timestamptz, %(site_count)s::integer, %(alert_count)s::integer,
       %(alert_types)s::text[], %(max_severity)s::text, %(summary)s::text)
