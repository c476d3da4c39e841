-- A claim looks only at the first unfinished delivery of each subject: this index lists exactly those candidates,
-- so finding the heads reads the index alone instead of probing once per waiting delivery.
DROP INDEX webhook_deliveries_subject;
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject, sequence)
    WHERE processed_at IS NULL AND failed_at IS NULL AND subject IS NOT NULL;
CREATE INDEX webhook_deliveries_unsubjected ON webhook_deliveries (sequence)
    WHERE processed_at IS NULL AND failed_at IS NULL AND subject IS NULL;
