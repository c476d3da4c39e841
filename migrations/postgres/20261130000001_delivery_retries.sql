-- Deliveries are handled by a worker that retries with backoff and parks a delivery as failed after its last
-- attempt. `sequence` is the order of arrival: deliveries about one subject (a pull request, a branch) are applied
-- in that order. A claim (owner, until) keeps two workers or two instances off the same delivery; a claim whose
-- holder died lapses.
ALTER TABLE webhook_deliveries ADD COLUMN sequence BIGSERIAL;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_sequence UNIQUE (sequence);
ALTER TABLE webhook_deliveries ADD COLUMN repo TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN subject TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN last_error TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN failed_at BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN claimed_until BIGINT;
DROP INDEX webhook_deliveries_unprocessed;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE processed_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject, sequence) WHERE processed_at IS NULL;
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_handled ON webhook_deliveries (received_at) WHERE processed_at IS NOT NULL;
