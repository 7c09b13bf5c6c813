-- Patterns for people: filtered by state, type and origin, those needing a look first.
-- state: approved | candidate (created by an analysis, not approved) | review | rejected |
-- pinned | held (not approved) | all.
SELECT id, diagnosis_type, error_type, culprit, origin, version, commands, auto_approved,
       approved_by, human_decision, decided_by, review_reason IS NOT NULL AS needs_review,
       ai_enhanced, ai_confidence, success_count, failure_count, confidence,
       avg_success_rate, recent_successes, recent_failures, last_used_at, proposal,
       decision_reason
FROM healing_patterns
WHERE (%(diagnosis_type)s::text IS NULL OR diagnosis_type = %(diagnosis_type)s::text)
  AND (%(origin)s::text IS NULL OR origin = %(origin)s::text)
  AND CASE %(state)s::text
        WHEN 'approved' THEN auto_approved
        WHEN 'candidate' THEN origin = 'analysis' AND NOT auto_approved
        WHEN 'review' THEN review_reason IS NOT NULL
        WHEN 'rejected' THEN human_decision IN ('rejected', 'revoked')
        WHEN 'pinned' THEN human_decision = 'pinned'
        WHEN 'held' THEN NOT auto_approved
        ELSE true END
ORDER BY review_reason IS NULL, auto_approved DESC, last_used_at DESC NULLS LAST, id
LIMIT %(limit)s
