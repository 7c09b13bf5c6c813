-- The logs of each pattern's latest successful uses (up to %(limit)s, newest first): its
-- error_pattern must still match them.
SELECT p.id AS pattern_id, latest.logs_analyzed
FROM healing_patterns AS p
CROSS JOIN LATERAL (
    SELECT e.logs_analyzed, e.started_at, e.id
    FROM healer_executions AS e
    WHERE e.pattern_id = p.id AND e.was_successful AND e.logs_analyzed IS NOT NULL
      AND e.started_at < %(as_of)s
    ORDER BY e.started_at DESC, e.id DESC
    LIMIT %(limit)s
) AS latest
ORDER BY p.id, latest.started_at DESC, latest.id DESC
