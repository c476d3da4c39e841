-- Leases: who does a piece of work now, until when. A deployment's driver holds "deployment <id>" (renewed at
-- every step, taken over by another instance once it expires); each periodic job holds "job <name>", so with
-- several instances on one database each job runs on one of them at a time.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
