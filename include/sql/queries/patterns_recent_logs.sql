-- The logs of a pattern's latest successful uses: its error_pattern must still match them.
SELECT logs_analyzed
FROM healer_executions
WHERE pattern_id = %(pattern_id)s AND was_successful AND logs_analyzed IS NOT NULL
  AND started_at < %(as_of)s
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s
