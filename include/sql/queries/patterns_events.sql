-- A pattern's latest events, newest first.
SELECT version, event, actor, reason, at FROM healing_pattern_events
WHERE pattern_id = %(id)s
ORDER BY at DESC, id DESC
LIMIT %(limit)s
