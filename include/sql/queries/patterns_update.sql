-- Store one pattern's refreshed stats and decision; a row that would not change is left
-- alone (updated_at moves only on a real change, so a re-run for the same day is a no-op).
UPDATE healing_patterns SET
    success_count = %(successes)s, failure_count = %(failures)s,
    confidence = %(confidence)s, avg_success_rate = %(success_rate)s,
    recent_successes = %(recent_successes)s, recent_failures = %(recent_failures)s,
    last_success_at = %(last_success_at)s, last_failure_at = %(last_failure_at)s,
    last_used_at = %(last_used_at)s,
    auto_approved = %(auto_approved)s, approved_by = %(approved_by)s,
    approved_at = %(approved_at)s, approval_reason = %(approval_reason)s,
    revoked_at = %(revoked_at)s, revoked_reason = %(revoked_reason)s,
    decision_reason = %(decision_reason)s, stats_as_of = %(as_of)s, updated_at = now()
WHERE id = %(id)s
  AND (success_count, failure_count, confidence, avg_success_rate, recent_successes,
       recent_failures, last_success_at, last_failure_at, last_used_at, auto_approved,
       approved_by, approved_at, approval_reason, revoked_at, revoked_reason, decision_reason,
       stats_as_of)
      IS DISTINCT FROM
      (%(successes)s::integer, %(failures)s::integer, %(confidence)s::double precision,
       %(success_rate)s::double precision, %(recent_successes)s::integer,
       %(recent_failures)s::integer, %(last_success_at)s::timestamptz,
       %(last_failure_at)s::timestamptz, %(last_used_at)s::timestamptz,
       %(auto_approved)s::boolean, %(approved_by)s::text, %(approved_at)s::timestamptz,
       %(approval_reason)s::text, %(revoked_at)s::timestamptz, %(revoked_reason)s::text,
       %(decision_reason)s::text, %(as_of)s::timestamptz)
