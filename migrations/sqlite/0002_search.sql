-- Full-text search over what the user has said before, for the agent's
-- search_past_messages tool. FTS5 with the porter stemmer; kept in sync by triggers.

-- Every message, so that a question from the other side can be found with the
-- user's answer that followed it.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);
INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages;

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

-- Approved final texts: the user's voice, which the agent sees first.
CREATE VIRTUAL TABLE approved_fts USING fts5(
    final_content,
    tokenize = 'porter unicode61'
);
CREATE TRIGGER approved_fts_insert AFTER UPDATE OF status ON drafts
WHEN new.status = 'approved' AND old.status <> 'approved' BEGIN
    INSERT INTO approved_fts (rowid, final_content) VALUES (new.id, coalesce(new.final_content, new.content));
END;
CREATE TRIGGER approved_fts_delete AFTER DELETE ON drafts BEGIN
    DELETE FROM approved_fts WHERE rowid = old.id;
END;
