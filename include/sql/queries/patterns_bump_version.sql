-- The pattern's next version. New commands start without evidence (version_started_at moves,
-- the stats and any approval reset, and so do a person's approval or rejection, which were
-- about the old commands; a pin stays: it is about automation). A repaired error_pattern
-- alone keeps the evidence and every decision.
UPDATE healing_patterns SET
    version = version + 1,
    commands = %(commands)s,
    error_pattern = %(error_pattern)s,
    version_started_at = CASE WHEN %(commands_changed)s THEN %(changed_at)s::timestamptz
                              ELSE version_started_at END,
    success_count = CASE WHEN %(commands_changed)s THEN 0 ELSE success_count END,
    failure_count = CASE WHEN %(commands_changed)s THEN 0 ELSE failure_count END,
    confidence = CASE WHEN %(commands_changed)s THEN 0 ELSE confidence END,
    avg_success_rate = CASE WHEN %(commands_changed)s THEN NULL ELSE avg_success_rate END,
    recent_successes = CASE WHEN %(commands_changed)s THEN 0 ELSE recent_successes END,
    recent_failures = CASE WHEN %(commands_changed)s THEN 0 ELSE recent_failures END,
    revoked_at = CASE WHEN %(commands_changed)s AND auto_approved THEN %(changed_at)s::timestamptz
                      ELSE revoked_at END,
    revoked_reason = CASE WHEN %(commands_changed)s AND auto_approved
                          THEN 'new version ' || (version + 1) || ': ' || %(reason)s::text
                          ELSE revoked_reason END,
    auto_approved = CASE WHEN %(commands_changed)s THEN false ELSE auto_approved END,
    approved_by = CASE WHEN %(commands_changed)s THEN NULL ELSE approved_by END,
    approved_at = CASE WHEN %(commands_changed)s THEN NULL ELSE approved_at END,
    approval_reason = CASE WHEN %(commands_changed)s THEN NULL ELSE approval_reason END,
    human_decision = CASE WHEN %(commands_changed)s AND human_decision <> 'pinned' THEN NULL
                          ELSE human_decision END,
    evidence_since = CASE WHEN %(commands_changed)s THEN NULL ELSE evidence_since END,
    review_reason = CASE WHEN %(commands_changed)s THEN NULL ELSE review_reason END,
    review_requested_at = CASE WHEN %(commands_changed)s THEN NULL
                               ELSE review_requested_at END,
    proposal = CASE WHEN %(commands_changed)s THEN NULL ELSE proposal END,
    updated_at = now()
WHERE id = %(id)s
RETURNING version
