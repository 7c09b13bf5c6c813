-- A pattern an analysis matched or created is AI-enhanced; its ai_confidence is the mean
-- confidence of the analyses that matched it: derived from the set of them, never
-- incremented, and added up exactly (numeric), since a float sum depends on the order the
-- rows are read in, which a rolled-back try or another order of learning changes.
UPDATE healing_patterns
SET ai_enhanced = true,
    ai_confidence = (SELECT avg(e.ai_confidence::numeric)::double precision
                     FROM healer_executions AS e WHERE e.ai_pattern_id = %(id)s),
    updated_at = now()
WHERE id = %(id)s
