-- The error signatures one pattern answers, with how many analyzed executions matched each.
SELECT s.signature_key, s.error_signature, s.matched_by, s.created_at,
       count(e.id) AS executions
FROM healing_pattern_signatures AS s
LEFT JOIN healer_executions AS e
       ON e.ai_pattern_id = s.pattern_id
      AND e.ai_analysis ->> 'error_signature' = s.error_signature
WHERE s.pattern_id = %(id)s
GROUP BY s.signature_key, s.error_signature, s.matched_by, s.created_at
ORDER BY executions DESC, s.created_at
