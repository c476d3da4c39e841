-- Personal API tokens: only the SHA-256 of the secret is kept; scopes are a JSON list ("read", "deploy:<env>").
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    owner        TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_owner ON api_tokens (owner, id);
