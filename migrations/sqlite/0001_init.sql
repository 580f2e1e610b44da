-- draftdesk schema: users and their tokens, threads and messages, drafts with their
-- revision chain, agent runs with their transcripts, and the durable job queue.
-- Timestamps are UTC text in '%Y-%m-%dT%H:%M:%fZ' form (sortable); message times as
-- the client sent them are kept raw beside the parsed, naive `sent_at`.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- The stable external id (the contract's `user_id`): the name the account was made with.
    name          TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    display_name  TEXT    NOT NULL,
    -- JSON array of the names the user appears under in conversations.
    my_names      TEXT    NOT NULL DEFAULT '[]',
    style_notes   TEXT    NOT NULL DEFAULT '',
    -- argon2 PHC string; NULL for accounts that only use API tokens.
    password_hash TEXT,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT    NOT NULL DEFAULT '',
    -- Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash   TEXT    NOT NULL UNIQUE,
    -- The first characters of the token, so a user can tell their tokens apart.
    prefix       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE threads (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (user_id, name)
);

CREATE TABLE messages (
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
    UNIQUE (user_id, message_id)
);
CREATE INDEX messages_thread_order ON messages (thread_id, sort_key, id);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('draft', 'revise')),
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id    INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    -- Kind-specific JSON (a revise job names its draft and carries the feedback).
    payload      TEXT    NOT NULL DEFAULT '{}',
    state        TEXT    NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    -- Not before this time (backoff after a transient failure).
    run_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- While running: the lease; a worker that dies lets it expire and the job is taken again.
    locked_until TEXT,
    last_error   TEXT,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at  TEXT
);
CREATE INDEX jobs_claim ON jobs (state, run_at);
CREATE INDEX jobs_thread ON jobs (thread_id, state);
-- Coalescing: at most one queued draft job per thread; new messages join it.
CREATE UNIQUE INDEX jobs_one_queued_draft ON jobs (thread_id) WHERE state = 'queued' AND kind = 'draft';

CREATE TABLE agent_runs (
    id                INTEGER PRIMARY KEY,
    thread_id         INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    job_id            INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    trigger           TEXT    NOT NULL CHECK (trigger IN ('new_messages', 'feedback')),
    model             TEXT    NOT NULL,
    offline           INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
    -- JSON array: every LLM request and response, every tool call and result.
    transcript        TEXT    NOT NULL DEFAULT '[]',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    -- The newest message the agent saw; a draft is stale if a newer one arrived since.
    snapshot_message  INTEGER,
    started_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at       TEXT,
    duration_ms       INTEGER,
    -- NULL while the run is in progress.
    outcome           TEXT    CHECK (outcome IN ('drafted', 'no_reply', 'stale', 'failed')),
    reason            TEXT,
    error             TEXT
);
CREATE INDEX agent_runs_thread ON agent_runs (thread_id, id);

CREATE TABLE drafts (
    id                INTEGER PRIMARY KEY,
    -- The contract's external id.
    draft_message_id  TEXT    NOT NULL UNIQUE,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id         INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    content           TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
    -- The revision chain: the draft this one revises and the feedback that asked for it.
    revises_draft_id  INTEGER REFERENCES drafts (id),
    feedback          TEXT,
    agent_run_id      INTEGER REFERENCES agent_runs (id) ON DELETE SET NULL,
    -- The newest message when the draft was written: the one it answers.
    answers_message   INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    final_content     TEXT,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    decided_at        TEXT
);
CREATE INDEX drafts_user_status ON drafts (user_id, status, id);
-- At most one pending draft per thread.
CREATE UNIQUE INDEX drafts_one_pending ON drafts (thread_id) WHERE status = 'pending';
