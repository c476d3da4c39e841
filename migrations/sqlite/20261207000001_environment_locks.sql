-- Environments' locks: at most one per environment. A lock past `until` no longer holds (its row stays until it is
-- replaced or removed); `until` NULL holds until someone unlocks it. Times in milliseconds since 1970 (UTC).
CREATE TABLE environment_locks (
    env      TEXT   PRIMARY KEY,
    repo     TEXT   NOT NULL,
    reason   TEXT   NOT NULL,
    set_by   TEXT   NOT NULL,
    owner    TEXT,
    set_at   BIGINT NOT NULL,
    until_at BIGINT
);
