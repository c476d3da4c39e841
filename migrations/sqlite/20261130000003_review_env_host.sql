-- The review route answers a proxy on every request: it finds the running environment by its host through an
-- index instead of reading every review environment ever stored. Filled from `url` by tengu on save (and for
-- the rows already stored, right after this migration).
ALTER TABLE review_envs ADD COLUMN host TEXT;
CREATE INDEX review_envs_running_host ON review_envs (host) WHERE state = 'running';
