-- A version per document, so an instance that holds a copy asks "has it moved?" instead of reading it whole.
ALTER TABLE documents ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
