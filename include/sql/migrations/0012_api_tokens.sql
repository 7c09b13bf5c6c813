-- Bearer tokens of machines for the Healer API (people use their Airflow login). Only a
-- SHA-256 of the token is stored: the token is 32 random bytes, shown once at creation.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    token_hash   text NOT NULL UNIQUE,
    prefix       text NOT NULL,                  -- the first characters, to recognize it
    scope        text NOT NULL CHECK (scope IN ('read', 'write')),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
