-- Analyzed executions no pattern has learned from yet (analyses written before this step
-- existed, or whose learning failed), oldest first.
SELECT id, ai_analysis, logs_analyzed FROM healer_executions
WHERE ai_status = 'DONE' AND ai_pattern_match IS NULL
ORDER BY ai_analyzed_at, id
LIMIT %(limit)s
