-- Signed-in people's sessions (tower-sessions records as JSON), removed by a job once expired.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Each person's permission on each repository as GitHub last said, so a page load after a restart needs no call.
CREATE TABLE repo_permissions (
    login      TEXT    NOT NULL,
    repo       TEXT    NOT NULL,
    permission TEXT    NOT NULL,
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (login, repo)
);
