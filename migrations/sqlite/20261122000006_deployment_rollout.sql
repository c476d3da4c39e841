-- What a deployment replaced (to roll back to) and the last thing ECS said about its rollout.
ALTER TABLE deployments ADD COLUMN previous_task_definitions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deployments ADD COLUMN rollout TEXT NOT NULL DEFAULT '[]';
