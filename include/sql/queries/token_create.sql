-- A new machine token (only its SHA-256 is stored).
INSERT INTO api_tokens (name, token_hash, prefix, scope, created_by, expires_at)
VALUES (%(name)s, %(token_hash)s, %(prefix)s, %(scope)s, %(created_by)s, %(expires_at)s)
RETURNING id, name, prefix, scope, created_by, created_at, expires_at
