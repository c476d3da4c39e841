-- The database, not the application, keeps one unfinished deployment per environment and one deployment per
-- idempotency key (a double click or a retried request), whichever instance asks.
ALTER TABLE deployments ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX deployments_idempotency_key ON deployments (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX deployments_one_unfinished_per_env ON deployments (env) WHERE finished_at IS NULL;
