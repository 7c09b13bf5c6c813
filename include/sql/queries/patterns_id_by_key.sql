-- A pattern by its natural key.
SELECT id, version FROM healing_patterns
WHERE diagnosis_type = %(diagnosis_type)s AND error_type = %(error_type)s
  AND culprit = %(culprit)s AND signature_key = %(signature_key)s
