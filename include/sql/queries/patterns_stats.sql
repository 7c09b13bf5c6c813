-- Evidence for every healing pattern's CURRENT version, from the executions that used it
-- and started before %(as_of)s (so a re-run for the same day sees the same evidence).
-- Executions before version_started_at belong to earlier versions and are not counted
-- (unless %(all_versions)s, used to score Phase 1's rule on the same evidence).
-- recency 1 = the latest use; the failure streak is the run of failures since the last success.
WITH uses AS (
    SELECT e.pattern_id, e.started_at, e.was_successful,
           row_number() OVER (PARTITION BY e.pattern_id
                              ORDER BY e.started_at DESC, e.id DESC) AS recency
    FROM healer_executions AS e
    JOIN healing_patterns AS p ON p.id = e.pattern_id
    WHERE e.was_successful IS NOT NULL
      AND e.started_at < %(as_of)s
      AND (%(all_versions)s OR p.version_started_at IS NULL
           OR e.started_at >= p.version_started_at)
)
SELECT p.id,
       count(u.pattern_id) FILTER (WHERE u.was_successful) AS successes,
       count(u.pattern_id) FILTER (WHERE NOT u.was_successful) AS failures,
       count(u.pattern_id) FILTER (WHERE u.was_successful
                                   AND u.started_at >= %(recent_from)s) AS recent_successes,
       count(u.pattern_id) FILTER (WHERE NOT u.was_successful
                                   AND u.started_at >= %(recent_from)s) AS recent_failures,
       count(u.pattern_id) FILTER (WHERE u.recency <= %(recent_uses)s) AS last_uses,
       count(u.pattern_id) FILTER (WHERE NOT u.was_successful
                                   AND u.recency <= %(recent_uses)s) AS last_uses_failed,
       coalesce(min(u.recency) FILTER (WHERE u.was_successful) - 1,
                count(u.pattern_id)) AS failure_streak,
       max(u.started_at) FILTER (WHERE u.was_successful) AS last_success_at,
       max(u.started_at) FILTER (WHERE NOT u.was_successful) AS last_failure_at,
       max(u.started_at) AS last_used_at
FROM healing_patterns AS p
LEFT JOIN uses AS u ON u.pattern_id = p.id
GROUP BY p.id
ORDER BY p.id
