-- Deliveries are handled by a worker that retries with backoff and parks a delivery as failed after its last
-- attempt. `sequence` is the order of arrival: deliveries about one subject (a pull request, a branch) are applied
-- in that order. A claim (owner, until) keeps two workers or two instances off the same delivery; a claim whose
-- holder died lapses. SQLite cannot add an autoincrement column, so the table is rebuilt.
CREATE TABLE webhook_deliveries_next (
    sequence        INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     TEXT    NOT NULL UNIQUE,
    event           TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    repo            TEXT,
    subject         TEXT,
    received_at     INTEGER NOT NULL,
    processed_at    INTEGER,
    outcome         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    failed_at       INTEGER,
    claimed_by      TEXT,
    claimed_until   INTEGER
);
INSERT INTO webhook_deliveries_next (delivery_id, event, payload, received_at, processed_at, outcome)
    SELECT delivery_id, event, payload, received_at, processed_at, outcome FROM webhook_deliveries
    ORDER BY received_at, delivery_id;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_next RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE processed_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject, sequence) WHERE processed_at IS NULL;
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_handled ON webhook_deliveries (received_at) WHERE processed_at IS NOT NULL;
