-- The pattern an analyzed execution matched (or none) and how; ai_suggestion when given.
UPDATE healer_executions
SET ai_pattern_id = %(pattern_id)s, ai_pattern_match = %(matched_by)s,
    ai_suggestion = coalesce(%(suggestion)s, ai_suggestion)
WHERE id = %(id)s
