-- The pattern's next version. New commands start without evidence (version_started_at moves,
-- the stats and any approval reset); a repaired error_pattern alone keeps the evidence.
UPDATE healing_patterns SET
    version = version + 1,
    commands = %(commands)s,
    error_pattern = %(error_pattern)s,
    version_started_at = CASE WHEN %(commands_changed)s THEN %(changed_at)s::timestamptz
                              ELSE version_started_at END,
    success_count = CASE WHEN %(commands_changed)s THEN 0 ELSE success_count END,
    failure_count = CASE WHEN %(commands_changed)s THEN 0 ELSE failure_count END,
    confidence = CASE WHEN %(commands_changed)s THEN 0 ELSE confidence END,
    recent_successes = CASE WHEN %(commands_changed)s THEN 0 ELSE recent_successes END,
    recent_failures = CASE WHEN %(commands_changed)s THEN 0 ELSE recent_failures END,
    revoked_at = CASE WHEN %(commands_changed)s AND auto_approved THEN %(changed_at)s::timestamptz
                      ELSE revoked_at END,
    revoked_reason = CASE WHEN %(commands_changed)s AND auto_approved
                          THEN 'new version ' || (version + 1) || ': ' || %(reason)s::text
                          ELSE revoked_reason END,
    auto_approved = CASE WHEN %(commands_changed)s THEN false ELSE auto_approved END,
    updated_at = now()
WHERE id = %(id)s
RETURNING version
