-- Each environment's services as ECS last reported them (by a rollout's polling or the health check), so the
-- overview shows health without asking ECS on a page load.
CREATE TABLE service_health (
    env            TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    running        BIGINT  NOT NULL,
    desired        BIGINT  NOT NULL,
    pending        BIGINT  NOT NULL,
    rollout_state  TEXT,
    rollout_reason TEXT,
    reported_at    BIGINT NOT NULL,
    PRIMARY KEY (env, service)
);
