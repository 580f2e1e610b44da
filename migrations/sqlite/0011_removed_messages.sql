-- Messages the user removed from a thread (one read wrongly, say), by their identity in
-- that thread: a client that resends the whole thread, or the same paste again, does not
-- bring them back. Removing the thread removes these too.
CREATE TABLE removed_messages (
    thread_id  INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id TEXT    NOT NULL,
    removed_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (thread_id, message_id)
);
