-- The GitHub Deployment that mirrors a deployment (its statuses follow the deployment's state).
ALTER TABLE deployments ADD COLUMN github_deployment_id BIGINT;
