-- A message's identity is (thread, message_id), no longer (user, message_id): the same
-- id in two threads (the old plugin hashes sender, date, time and text, so two "Thanks!"
-- in the same minute collide) is two messages, and a resend to one thread is still
-- stored once.
--
-- SQLite cannot drop a UNIQUE constraint in place, so the table is rebuilt: a new table,
-- every row copied with its id (ids are the arrival order and the FTS rowids), the old
-- one dropped, the new one renamed. sqlx runs this file in one transaction on a
-- connection with foreign keys on, and `PRAGMA foreign_keys` cannot change inside a
-- transaction. With them on, DROP TABLE first deletes every row (firing foreign key
-- actions but no triggers), which would set every `drafts.answers_message` to NULL: those
-- links are saved before the drop and put back after it. Nothing else references
-- `messages` (agent_runs.snapshot_message is a plain number).

-- The drop's implicit delete looks up referencing drafts once per message; an index
-- keeps that (and removing a message from a thread later) from scanning all drafts.
CREATE INDEX drafts_answers_message ON drafts (answers_message);

CREATE TEMP TABLE draft_answers (id INTEGER PRIMARY KEY, answers_message INTEGER NOT NULL);
INSERT INTO temp.draft_answers (id, answers_message)
    SELECT id, answers_message FROM drafts WHERE answers_message IS NOT NULL;

CREATE TABLE messages_rebuilt (
    -- Also the arrival order: a later insert has a larger id.
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id   INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id  TEXT    NOT NULL,
    sender_name TEXT    NOT NULL,
    raw_date    TEXT    NOT NULL DEFAULT '',
    raw_time    TEXT    NOT NULL DEFAULT '',
    -- Parsed from raw_date and raw_time when they parse (naive, as the client meant it).
    sent_at     TEXT,
    -- What the thread is ordered by: sent_at, or for a message whose time did not parse,
    -- the key of the message before it in the same request, so it keeps its place.
    sort_key    TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    is_mine     INTEGER NOT NULL DEFAULT 0 CHECK (is_mine IN (0, 1)),
    received_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (thread_id, message_id)
);

INSERT INTO messages_rebuilt (id, user_id, thread_id, message_id, sender_name, raw_date,
                              raw_time, sent_at, sort_key, content, is_mine, received_at)
SELECT id, user_id, thread_id, message_id, sender_name, raw_date,
       raw_time, sent_at, sort_key, content, is_mine, received_at
FROM messages ORDER BY id;

-- Also drops the old table's indexes and its FTS triggers.
DROP TABLE messages;
ALTER TABLE messages_rebuilt RENAME TO messages;

CREATE INDEX messages_thread_order ON messages (thread_id, sort_key, id);
-- The user's newest message (the dashboard's live version) and deleting a user; the old
-- UNIQUE (user_id, message_id) index used to serve both.
CREATE INDEX messages_user ON messages (user_id, id);

-- The triggers of 0002_search.sql, unchanged.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

UPDATE drafts
SET answers_message = (SELECT a.answers_message FROM temp.draft_answers a WHERE a.id = drafts.id)
WHERE id IN (SELECT id FROM temp.draft_answers);
DROP TABLE temp.draft_answers;

-- Rows and rowids are unchanged, so the index should already match; rebuilding it from
-- the content table makes sure it does.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
