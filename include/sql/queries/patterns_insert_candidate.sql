-- A candidate pattern created from an analysis: AI-enhanced, with the analysis' confidence,
-- never approved until its own uses say so. One per (type, error type, culprit, signature);
-- its id is derived from that key by the caller, so a re-run makes the same row.
INSERT INTO healing_patterns (id, diagnosis_type, error_type, culprit, signature_key,
                              error_pattern, commands, description, origin, ai_enhanced,
                              ai_confidence, details)
VALUES (%(id)s, %(diagnosis_type)s, %(error_type)s, %(culprit)s, %(signature_key)s,
        %(error_pattern)s, %(commands)s, %(description)s, 'analysis', true,
        %(ai_confidence)s, %(details)s)
ON CONFLICT (diagnosis_type, error_type, culprit, signature_key) DO NOTHING
RETURNING id, version
