-- The repository an audit entry is about (none for what concerns a person only: sign-ins, tokens), so a person
-- sees only the entries of repositories GitHub lets them see. Earlier entries get theirs from their target.
ALTER TABLE audit_log ADD COLUMN repo TEXT;
UPDATE audit_log SET repo = (SELECT d.repo FROM deployments d WHERE 'deployment ' || d.id::text = audit_log.target)
    WHERE target LIKE 'deployment %';
UPDATE audit_log SET repo = substr(target, 20, position('#' in target) - 20)
    WHERE repo IS NULL AND target LIKE 'review environment %' AND position('#' in target) > 20;
UPDATE audit_log SET repo = substr(target, 1, position('#' in target) - 1)
    WHERE repo IS NULL AND position('#' in target) > 1 AND target NOT LIKE '% %#%' AND target NOT LIKE 'token #%';
CREATE INDEX audit_log_repo ON audit_log (repo, id);
