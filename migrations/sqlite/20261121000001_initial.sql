-- tengu's records on SQLite. Times are Unix milliseconds (UTC); lists are JSON text.
CREATE TABLE deploy_prs (
    repo           TEXT    NOT NULL,
    number         INTEGER NOT NULL,
    env            TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    base_branch    TEXT    NOT NULL,
    head_branch    TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    direct_commits TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (repo, number)
);
CREATE INDEX deploy_prs_state ON deploy_prs (state, env);

CREATE TABLE checklist_items (
    repo       TEXT    NOT NULL,
    deploy_pr  INTEGER NOT NULL,
    source_pr  INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    author     TEXT    NOT NULL,
    commits    TEXT    NOT NULL,
    checked_by TEXT,
    checked_at INTEGER,
    PRIMARY KEY (repo, deploy_pr, source_pr),
    FOREIGN KEY (repo, deploy_pr) REFERENCES deploy_prs (repo, number) ON DELETE CASCADE
);

CREATE TABLE deployments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    env              TEXT    NOT NULL,
    repo             TEXT    NOT NULL,
    image            TEXT    NOT NULL,
    sha              TEXT,
    trigger_kind     TEXT    NOT NULL,
    actor            TEXT    NOT NULL,
    source_prs       TEXT    NOT NULL,
    task_definitions TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    reason           TEXT,
    requested_at     INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX deployments_env ON deployments (env, id);
CREATE INDEX deployments_env_state ON deployments (env, state, id);

CREATE TABLE review_envs (
    repo         TEXT    NOT NULL,
    pr           INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    author       TEXT    NOT NULL,
    branch       TEXT    NOT NULL,
    sha          TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    last_push_at INTEGER NOT NULL,
    PRIMARY KEY (repo, pr)
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL
);

CREATE TABLE documents (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
