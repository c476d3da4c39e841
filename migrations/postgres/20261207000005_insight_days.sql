-- The insights' day rollups, kept as deployments finish (a page over a year reads a row a day), and how far each
-- environment's are kept. `basis` names how they were worked out (the team's UTC offset, the failure window).
CREATE TABLE insight_days (
    env   TEXT NOT NULL,
    basis TEXT NOT NULL,
    day   TEXT NOT NULL,
    body  TEXT NOT NULL,
    PRIMARY KEY (env, basis, day)
);
CREATE TABLE insight_marks (
    env        TEXT NOT NULL,
    basis      TEXT NOT NULL,
    kept_until BIGINT NOT NULL,
    open_from  BIGINT,
    PRIMARY KEY (env, basis)
);
