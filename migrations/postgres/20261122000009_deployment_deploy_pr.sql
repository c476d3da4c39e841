-- The deploy PR a deployment shipped (when a merge started it): where its source PRs and commits are listed.
ALTER TABLE deployments ADD COLUMN deploy_pr BIGINT;
