-- A person's decision on a pattern: approved, rejected, pinned or revoked (NULL: released
-- back to automation), with who and why. It clears any review flag (a person looked).
-- %(auto_approved)s NULL leaves the approval as it is (a pin freezes it).
UPDATE healing_patterns SET
    human_decision = %(decision)s::text,
    decided_by = %(by)s, decided_at = %(at)s, decision_note = %(why)s,
    approved_by = CASE WHEN %(decision)s::text = 'approved' THEN %(by)s ELSE approved_by END,
    approved_at = CASE WHEN %(decision)s::text = 'approved' THEN %(at)s::timestamptz
                       ELSE approved_at END,
    approval_reason = CASE WHEN %(decision)s::text = 'approved'
                           THEN 'approved by ' || %(by)s || ': ' || %(why)s
                           ELSE approval_reason END,
    revoked_at = CASE WHEN %(decision)s::text IN ('rejected', 'revoked') AND auto_approved
                      THEN %(at)s::timestamptz ELSE revoked_at END,
    revoked_reason = CASE WHEN %(decision)s::text IN ('rejected', 'revoked') AND auto_approved
                          THEN %(decision)s::text || ' by ' || %(by)s || ': ' || %(why)s
                          ELSE revoked_reason END,
    auto_approved = coalesce(%(auto_approved)s::boolean, auto_approved),
    proposal = CASE WHEN %(decision)s::text IS NULL THEN NULL ELSE proposal END,
    review_reason = NULL, review_requested_at = NULL,
    updated_at = now()
WHERE id = %(id)s
RETURNING version
