-- The insights read an environment's deployments of a period, oldest first.
CREATE INDEX deployments_env_requested ON deployments (env, requested_at, id);
