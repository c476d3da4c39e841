-- The second person who let a deployment go ahead (the two-person rule).
ALTER TABLE deployments ADD COLUMN approved_by TEXT;
