-- Evidence for every healing pattern's CURRENT version (or one pattern's, %(pattern_id)s),
-- from the executions that used it and started before %(as_of)s (so a re-run for the same
-- day sees the same evidence). Executions before version_started_at belong to earlier
-- versions and are not counted (unless %(all_versions)s, used to score Phase 1's rule).
-- successes/failures, the recent window and the failure streak count the evidence window:
-- from evidence_since when an approval was revoked on bad recent evidence, else the version.
-- version_successes/failures count the whole version (what success_count shows).
-- recency 1 = the latest use; the failure streak is the run of failures since the last success.
-- ewma: the success rate with a use's weight halving every %(half_life)s later uses (its
-- sums exact, numeric: a float sum would depend on the order the rows are read in).
WITH scope AS (
    SELECT p.id, p.version_started_at AS version_from,
           greatest(p.version_started_at, p.evidence_since) AS window_from
    FROM healing_patterns AS p
    WHERE %(pattern_id)s::uuid IS NULL OR p.id = %(pattern_id)s::uuid
), uses AS (
    SELECT e.pattern_id, e.started_at, e.was_successful,
           (%(all_versions)s OR s.window_from IS NULL
            OR e.started_at >= s.window_from) AS in_window,
           row_number() OVER (PARTITION BY e.pattern_id
                              ORDER BY e.started_at DESC, e.id DESC) AS recency
    FROM healer_executions AS e
    JOIN scope AS s ON s.id = e.pattern_id
    WHERE e.was_successful IS NOT NULL
      AND e.started_at < %(as_of)s
      AND (%(all_versions)s OR s.version_from IS NULL OR e.started_at >= s.version_from)
)
SELECT s.id,
       count(u.pattern_id) FILTER (WHERE u.in_window AND u.was_successful) AS successes,
       count(u.pattern_id) FILTER (WHERE u.in_window AND NOT u.was_successful) AS failures,
       count(u.pattern_id) FILTER (WHERE u.was_successful) AS version_successes,
       count(u.pattern_id) FILTER (WHERE NOT u.was_successful) AS version_failures,
       count(u.pattern_id) FILTER (WHERE u.was_successful
                                   AND u.started_at >= %(recent_from)s) AS recent_successes,
       count(u.pattern_id) FILTER (WHERE NOT u.was_successful
                                   AND u.started_at >= %(recent_from)s) AS recent_failures,
       count(u.pattern_id) FILTER (WHERE u.in_window
                                   AND u.recency <= %(recent_uses)s) AS last_uses,
       count(u.pattern_id) FILTER (WHERE u.in_window AND NOT u.was_successful
                                   AND u.recency <= %(recent_uses)s) AS last_uses_failed,
       coalesce(min(u.recency) FILTER (WHERE u.in_window AND u.was_successful) - 1,
                count(u.pattern_id) FILTER (WHERE u.in_window)) AS failure_streak,
       (sum((power(0.5, (u.recency - 1) / %(half_life)s::double precision)
             * u.was_successful::integer)::numeric)
        / nullif(sum(power(0.5, (u.recency - 1) / %(half_life)s::double precision)::numeric),
                 0))::double precision AS ewma,
       max(u.started_at) FILTER (WHERE u.was_successful) AS last_success_at,
       max(u.started_at) FILTER (WHERE NOT u.was_successful) AS last_failure_at,
       max(u.started_at) AS last_used_at
FROM scope AS s
LEFT JOIN uses AS u ON u.pattern_id = s.id
GROUP BY s.id
ORDER BY s.id
