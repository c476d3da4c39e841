-- The assignees of each source PR, as GitHub lists them (a JSON array of logins).
ALTER TABLE checklist_items ADD COLUMN assignees TEXT NOT NULL DEFAULT '[]';
