-- The live token with this hash, marked used (at most once a minute, to spare writes).
UPDATE api_tokens
SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < now() - interval '1 minute'
                        THEN now() ELSE last_used_at END
WHERE token_hash = %(token_hash)s
  AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > now())
RETURNING name, scope
