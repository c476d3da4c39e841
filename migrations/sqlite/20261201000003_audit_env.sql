-- The audit log's environment filter answers from an index: each entry keeps the environment its target belongs
-- to (a deployment's, a deploy PR's, or the environment itself), worked out when it is written. NULL: not worked
-- out yet (entries written before this column; filled once at start); '' : about no environment.
ALTER TABLE audit_log ADD COLUMN env TEXT;
CREATE INDEX audit_log_env ON audit_log (env, id);
-- "Entries about this thing and its parts" (`acme/shop#12` and `acme/shop#12 item 3`): the thing without its
-- part, filled alongside the environment.
ALTER TABLE audit_log ADD COLUMN subject TEXT;
CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_target ON audit_log (target, id);
-- The history's state filter on its own.
CREATE INDEX deployments_state ON deployments (state, id);
