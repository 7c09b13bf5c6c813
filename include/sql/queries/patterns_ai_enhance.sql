-- A pattern an analysis matched or created is AI-enhanced; its ai_confidence is the mean
-- confidence of the analyses that matched it.
UPDATE healing_patterns
SET ai_enhanced = true,
    ai_confidence = (SELECT avg(e.ai_confidence) FROM healer_executions AS e
                     WHERE e.ai_pattern_id = %(id)s),
    updated_at = now()
WHERE id = %(id)s
