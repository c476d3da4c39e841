-- A review environment's version: every change is a compare-and-set, so the webhook handler and the reconciler
-- (or two instances) cannot overwrite each other.
ALTER TABLE review_envs ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
