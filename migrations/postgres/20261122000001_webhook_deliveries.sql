-- Every GitHub webhook delivery, stored before it is acknowledged; processed_at stays NULL until it is handled,
-- so deliveries interrupted by a crash are handled at the next start.
CREATE TABLE webhook_deliveries (
    delivery_id  TEXT    PRIMARY KEY,
    event        TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    processed_at BIGINT,
    outcome      TEXT
);
CREATE INDEX webhook_deliveries_unprocessed ON webhook_deliveries (processed_at, received_at);
