-- Remember which pattern answers an error signature (the first match decides).
INSERT INTO healing_pattern_signatures (signature_key, pattern_id, diagnosis_type, culprit,
                                        error_signature, matched_by)
VALUES (%(signature_key)s, %(pattern_id)s, %(diagnosis_type)s, %(culprit)s,
        %(error_signature)s, %(matched_by)s)
ON CONFLICT (signature_key) DO NOTHING
