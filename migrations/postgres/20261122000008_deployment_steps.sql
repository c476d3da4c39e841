-- Each state a deployment entered and when (JSON, oldest first): the timeline and each step's duration.
ALTER TABLE deployments ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
