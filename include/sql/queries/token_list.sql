-- Every machine token, newest first, without its hash.
SELECT id, name, prefix, scope, created_by, created_at, expires_at, last_used_at, revoked_at,
       CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
            WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'
            ELSE 'active' END AS state
FROM api_tokens
ORDER BY created_at DESC, id DESC
