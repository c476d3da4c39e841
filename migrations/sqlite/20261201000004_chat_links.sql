-- Slack people and the GitHub logins they proved they are: `/tengu link` makes a one-time code (kept as its
-- SHA-256, valid for 10 minutes) that the person opens while signed in to tengu.
CREATE TABLE chat_links (
    chat_user TEXT PRIMARY KEY,
    login     TEXT NOT NULL,
    linked_at INTEGER NOT NULL
);
CREATE INDEX chat_links_login ON chat_links (login);
CREATE TABLE chat_link_codes (
    code_hash  TEXT PRIMARY KEY,
    chat_user  TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
