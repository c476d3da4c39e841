-- What a link page shows of the chat person it links (name, workspace) and where to tell them it was made
-- (JSON of tengu's ChatPerson); codes made before it have none.
ALTER TABLE chat_link_codes ADD COLUMN person TEXT;
