-- Store one pattern's refreshed stats and automatic decision. A row that would not change is
-- left alone (updated_at moves only on a real change, so a re-run for the same day is a
-- no-op), and so is a row already decided on later evidence (stats_as_of after %(as_of)s:
-- a late or backfilled run never undoes a newer decision). A person's decision
-- (human_decision and who/why) is never written here.
UPDATE healing_patterns SET
    success_count = %(successes)s, failure_count = %(failures)s,
    confidence = %(confidence)s, avg_success_rate = %(success_rate)s,
    recent_successes = %(recent_successes)s, recent_failures = %(recent_failures)s,
    last_success_at = %(last_success_at)s, last_failure_at = %(last_failure_at)s,
    last_used_at = %(last_used_at)s,
    auto_approved = %(auto_approved)s, approved_by = %(approved_by)s,
    approved_at = %(approved_at)s, approval_reason = %(approval_reason)s,
    revoked_at = %(revoked_at)s, revoked_reason = %(revoked_reason)s,
    decision_reason = %(decision_reason)s, review_reason = %(review_reason)s,
    review_requested_at = %(review_requested_at)s, evidence_since = %(evidence_since)s,
    stats_as_of = %(as_of)s, updated_at = now()
WHERE id = %(id)s
  AND (stats_as_of IS NULL OR stats_as_of <= %(as_of)s)
  AND (success_count, failure_count, confidence, avg_success_rate, recent_successes,
       recent_failures, last_success_at, last_failure_at, last_used_at, auto_approved,
       approved_by, approved_at, approval_reason, revoked_at, revoked_reason, decision_reason,
       review_reason, review_requested_at, evidence_since, stats_as_of)
      IS DISTINCT FROM
      (%(successes)s::integer, %(failures)s::integer, %(confidence)s::double precision,
       %(success_rate)s::double precision, %(recent_successes)s::integer,
       %(recent_failures)s::integer, %(last_success_at)s::timestamptz,
       %(last_failure_at)s::timestamptz, %(last_used_at)s::timestamptz,
       %(auto_approved)s::boolean, %(approved_by)s::text, %(approved_at)s::timestamptz,
       %(approval_reason)s::text, %(revoked_at)s::timestamptz, %(revoked_reason)s::text,
       %(decision_reason)s::text, %(review_reason)s::text,
       %(review_requested_at)s::timestamptz, %(evidence_since)s::timestamptz,
       %(as_of)s::timestamptz)
RETURNING id
