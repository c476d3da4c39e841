-- A review environment's tasks (the serving one and, after a push, its replacement), where the route sends its
-- requests, why it failed or stopped, and its comment and GitHub Deployment.
ALTER TABLE review_envs ADD COLUMN task TEXT;
ALTER TABLE review_envs ADD COLUMN next_task TEXT;
ALTER TABLE review_envs ADD COLUMN next_sha TEXT;
ALTER TABLE review_envs ADD COLUMN address TEXT;
ALTER TABLE review_envs ADD COLUMN reason TEXT;
ALTER TABLE review_envs ADD COLUMN comment_id BIGINT;
ALTER TABLE review_envs ADD COLUMN github_deployment_id BIGINT;
