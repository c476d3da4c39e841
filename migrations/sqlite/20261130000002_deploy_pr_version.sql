-- A deploy PR changes by compare-and-set: a refresh, an override or a merge read at one version and write only
-- if nobody wrote since (a tick bumps the version too), so a withdrawn tick cannot come back from a stale copy.
-- merge_sha is the commit its merge made: a deploy of that commit is held by the gate like the open PR's.
ALTER TABLE deploy_prs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deploy_prs ADD COLUMN merge_sha TEXT;
CREATE INDEX deploy_prs_merge_sha ON deploy_prs (merge_sha) WHERE merge_sha IS NOT NULL;
