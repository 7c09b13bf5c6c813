-- Every version of one pattern with what it achieved: uses counted from the executions in
-- the version's time (the first version from the beginning; a version whose commands did not
-- change shares its predecessor's time), and the stats kept when it was replaced.
WITH versions AS (
    SELECT v.version, v.commands, v.error_pattern, v.reason AS replaced_because,
           v.changed_by AS replaced_by, v.restored_from AS next_restores,
           v.started_at, v.changed_at AS ended_at, v.success_count AS kept_successes,
           v.failure_count AS kept_failures, v.confidence AS kept_confidence,
           v.auto_approved AS was_approved, false AS current
    FROM healing_pattern_versions AS v
    WHERE v.pattern_id = %(id)s
    UNION ALL
    SELECT p.version, p.commands, p.error_pattern, NULL, NULL, NULL,
           coalesce(p.version_started_at, p.created_at), NULL, p.success_count,
           p.failure_count, p.confidence, p.auto_approved, true
    FROM healing_patterns AS p
    WHERE p.id = %(id)s
), ranged AS (
    SELECT *, CASE WHEN version = min(version) OVER () THEN '-infinity'::timestamptz
                   ELSE started_at END AS counted_from
    FROM versions
)
SELECT r.version, r.commands, r.current, r.started_at, r.ended_at, r.replaced_because,
       r.replaced_by, r.next_restores, r.was_approved, r.kept_successes, r.kept_failures,
       r.kept_confidence,
       count(e.id) FILTER (WHERE e.was_successful) AS successes,
       count(e.id) FILTER (WHERE NOT e.was_successful) AS failures
FROM ranged AS r
LEFT JOIN healer_executions AS e
       ON e.pattern_id = %(id)s AND e.was_successful IS NOT NULL
      AND e.started_at >= r.counted_from
      AND (r.ended_at IS NULL OR e.started_at < r.ended_at)
GROUP BY r.version, r.commands, r.current, r.started_at, r.ended_at, r.replaced_because,
         r.replaced_by, r.next_restores, r.was_approved, r.kept_successes, r.kept_failures,
         r.kept_confidence
ORDER BY r.version
