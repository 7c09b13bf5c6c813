-- Revoke a token by name (revoking twice keeps the first time).
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
WHERE name = %(name)s
RETURNING name, revoked_at
