-- A new version automation may not apply (a person decided on this pattern): kept as a
-- proposal and flagged for review, once per proposed set of commands.
UPDATE healing_patterns SET
    proposal = %(proposal)s,
    review_reason = %(review_reason)s,
    review_requested_at = coalesce(review_requested_at, %(at)s::timestamptz),
    updated_at = now()
WHERE id = %(id)s
  AND proposal -> 'commands' IS DISTINCT FROM %(proposal)s::jsonb -> 'commands'
RETURNING version
