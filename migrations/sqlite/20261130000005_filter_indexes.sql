-- The history's and the audit log's filters each have an index to answer from (newest first within them).
CREATE INDEX deployments_actor ON deployments (actor, id);
CREATE INDEX deployments_requested_at ON deployments (requested_at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);
