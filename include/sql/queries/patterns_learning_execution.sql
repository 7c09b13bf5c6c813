-- What learning from one analyzed execution needs: the pattern Healer ran (if any), the raw
-- log (matched in-process only, never stored), its plan, whether it was analyzed, and what
-- an earlier learning from it found (learning again keeps how it was found).
SELECT e.id, e.ai_status, e.pattern_id, e.logs_analyzed, e.started_at, e.suggested_action,
       e.suggested_commands, e.ai_suggestion, e.ai_pattern_id, e.ai_pattern_match,
       p.diagnosis_type AS used_type, p.culprit AS used_culprit,
       p.auto_approved AS used_approved
FROM healer_executions AS e
LEFT JOIN healing_patterns AS p ON p.id = e.pattern_id
WHERE e.id = %(id)s
