-- Verification after a rollout: each answer a check gave (an HTTP check's, or an alarm's change of state), in the
-- order they came; `passed` is 1 or 0. Times in milliseconds since 1970 (UTC).
CREATE TABLE verification_results (
    deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    check_name    TEXT   NOT NULL,
    at            BIGINT NOT NULL,
    passed        INTEGER NOT NULL,
    answer        TEXT   NOT NULL
);
CREATE INDEX verification_results_by_deployment ON verification_results (deployment_id, at);
