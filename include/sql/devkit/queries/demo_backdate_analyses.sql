-- Date the analyses made by the demo's history replay (since %(since)s) back to when Healer
-- would have made them: a quarter hour after each execution started. Each cache row takes
-- the time of the first execution that produced its signature.
WITH replayed AS (
    UPDATE healer_executions
    SET ai_analyzed_at = started_at + interval '15 minutes',
        ai_claimed_at = started_at + interval '15 minutes'
    WHERE ai_analyzed_at >= %(since)s
      AND started_at < %(cutoff)s
    RETURNING ai_analysis ->> 'input_hash' AS input_hash, ai_analyzed_at
)
UPDATE ai_analysis_cache c
SET created_at = first.analyzed_at,
    last_used_at = first.analyzed_at,
    expires_at = first.analyzed_at + make_interval(days => %(ttl_days)s)
FROM (SELECT input_hash, min(ai_analyzed_at) AS analyzed_at
      FROM replayed GROUP BY input_hash) first
WHERE c.input_hash = first.input_hash
  AND c.created_at >= %(since)s
