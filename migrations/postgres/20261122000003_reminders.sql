-- When the authors of a deploy PR were last reminded; claimed atomically so two instances never both remind.
ALTER TABLE deploy_prs ADD COLUMN last_reminded_at BIGINT;
