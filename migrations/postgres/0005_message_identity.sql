-- A message's identity is (thread, message_id), no longer (user, message_id): the same
-- id in two threads is two messages, and a resend to one thread is still stored once.
-- (SQLite rebuilds the table for this; PostgreSQL swaps the constraint in place, and
-- ids, foreign keys and the search column stay as they are.)

-- Removing a message from a thread looks up the drafts that answer it.
CREATE INDEX drafts_answers_message ON drafts (answers_message);

ALTER TABLE messages DROP CONSTRAINT messages_user_message_key;
ALTER TABLE messages ADD CONSTRAINT messages_thread_message_key UNIQUE (thread_id, message_id);

-- The user's newest message (the dashboard's live version) and deleting a user; the old
-- UNIQUE (user_id, message_id) index used to serve both.
CREATE INDEX messages_user ON messages (user_id, id);
