-- What each instance wrote, for the others sharing this file to read (PostgreSQL tells with NOTIFY instead):
-- `note` is "<instance> <topics>", as the change feed writes it; `noted_at` in milliseconds since 1970. Notes
-- older than a minute are deleted.
CREATE TABLE change_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note TEXT NOT NULL,
    noted_at INTEGER NOT NULL
);
CREATE INDEX change_notes_noted_at ON change_notes (noted_at);
