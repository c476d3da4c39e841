-- The verification gate: the deploy PR's head commit (where the commit status goes) and a written override.
ALTER TABLE deploy_prs ADD COLUMN head_sha TEXT;
ALTER TABLE deploy_prs ADD COLUMN override_by TEXT;
ALTER TABLE deploy_prs ADD COLUMN override_reason TEXT;
ALTER TABLE deploy_prs ADD COLUMN override_at BIGINT;
