-- The analyses of each pattern's latest failed uses in its evidence window (newest first,
-- up to %(limit)s a pattern): what the analyzer would have run instead.
SELECT p.id AS pattern_id, failed.ai_analysis
FROM healing_patterns AS p
CROSS JOIN LATERAL (
    SELECT e.ai_analysis, e.started_at, e.id
    FROM healer_executions AS e
    WHERE e.pattern_id = p.id AND e.was_successful = false AND e.ai_status = 'DONE'
      AND e.started_at < %(as_of)s
      AND (greatest(p.version_started_at, p.evidence_since) IS NULL
           OR e.started_at >= greatest(p.version_started_at, p.evidence_since))
    ORDER BY e.started_at DESC, e.id DESC
    LIMIT %(limit)s
) AS failed
ORDER BY p.id, failed.started_at DESC, failed.id DESC
