-- When each change was merged, when its first commit was written, and when a deploy PR of the environment first
-- listed it (milliseconds since the epoch; none for what was listed before tengu recorded them): the insights'
-- lead time and where it goes.
ALTER TABLE checklist_items ADD COLUMN merged_at INTEGER;
ALTER TABLE checklist_items ADD COLUMN first_commit_at INTEGER;
ALTER TABLE checklist_items ADD COLUMN listed_at INTEGER;
