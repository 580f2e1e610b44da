-- draftdesk schema (PostgreSQL 15+): users and their tokens, threads and messages, drafts
-- with their revision chain, agent runs with their transcripts, and the durable job queue.
-- The twin of migrations/sqlite/0001_init.sql: same tables, columns and meaning.
--
-- Conventions that differ from SQLite in type only:
-- * ids are BIGINT identities (sqlx decodes i64 from INT8 only; every INTEGER the app
--   reads as i64 is therefore BIGINT here, counters included).
-- * timestamps stay TEXT in 'YYYY-MM-DDTHH:MM:SS.mmmZ' form (UTC, sortable), as on SQLite:
--   the app compares them as text. draftdesk_now() is the default that writes that form.
--   Every timestamp column (and messages.sort_key) is COLLATE "C": compared byte by byte
--   like SQLite's BINARY, whatever locale the database was created with (a linguistic
--   collation such as en_US ignores punctuation at first and sorts differently).
-- * 0/1 flags are BOOLEAN: sqlx binds and decodes Rust `bool` as BOOLEAN on PostgreSQL
--   (as INTEGER 0/1 on SQLite), and SQL text compares them with TRUE/FALSE, which both
--   backends accept.

-- strftime('%Y-%m-%dT%H:%M:%fZ', 'now'): the wall clock at the statement, in UTC, ms.
CREATE FUNCTION draftdesk_now() RETURNS text
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The stable external id (the contract's `user_id`): the name the account was made with.
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    display_name  TEXT    NOT NULL,
    -- JSON array (as text) of the names the user appears under in conversations.
    my_names      TEXT    NOT NULL DEFAULT '[]',
    style_notes   TEXT    NOT NULL DEFAULT '',
    -- argon2 PHC string; NULL for accounts that only use API tokens.
    password_hash TEXT,
    created_at    TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    CONSTRAINT users_name_key UNIQUE (name)
);

CREATE TABLE api_tokens (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT    NOT NULL DEFAULT '',
    -- Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash   TEXT    NOT NULL,
    -- The first characters of the token, so a user can tell their tokens apart.
    prefix       TEXT    NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    last_used_at TEXT COLLATE "C",
    revoked_at   TEXT COLLATE "C",
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE threads (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    updated_at TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    CONSTRAINT threads_user_name_key UNIQUE (user_id, name)
);

CREATE TABLE messages (
    -- Also the arrival order: a later insert has a larger id. (On PostgreSQL ids are
    -- handed out at insert, not at commit: within one thread the order holds because
    -- every batch first upserts its thread row, which locks it until commit.)
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id   BIGINT  NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id  TEXT    NOT NULL,
    sender_name TEXT    NOT NULL,
    raw_date    TEXT    NOT NULL DEFAULT '',
    raw_time    TEXT    NOT NULL DEFAULT '',
    -- Parsed from raw_date and raw_time when they parse (naive, as the client meant it).
    sent_at     TEXT COLLATE "C",
    -- What the thread is ordered by: sent_at, or for a message whose time did not parse,
    -- the key of the message before it in the same request, so it keeps its place.
    sort_key    TEXT COLLATE "C" NOT NULL,
    content     TEXT    NOT NULL,
    is_mine     BOOLEAN NOT NULL DEFAULT FALSE,
    received_at TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    -- Replaced by (thread_id, message_id) in 0005, as on SQLite.
    CONSTRAINT messages_user_message_key UNIQUE (user_id, message_id)
);
CREATE INDEX messages_thread_order ON messages (thread_id, sort_key, id);

CREATE TABLE jobs (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('draft', 'revise')),
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id    BIGINT  NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    -- Kind-specific JSON as text (a revise job names its draft and carries the feedback).
    payload      TEXT    NOT NULL DEFAULT '{}',
    state        TEXT    NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     BIGINT  NOT NULL DEFAULT 0,
    max_attempts BIGINT  NOT NULL DEFAULT 5,
    -- Not before this time (backoff after a transient failure).
    run_at       TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    -- While running: the lease; a worker that dies lets it expire and the job is taken again.
    locked_until TEXT COLLATE "C",
    last_error   TEXT,
    created_at   TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    updated_at   TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    finished_at  TEXT COLLATE "C"
);
CREATE INDEX jobs_claim ON jobs (state, run_at);
CREATE INDEX jobs_thread ON jobs (thread_id, state);
-- Coalescing: at most one queued draft job per thread; new messages join it.
CREATE UNIQUE INDEX jobs_one_queued_draft ON jobs (thread_id) WHERE state = 'queued' AND kind = 'draft';

CREATE TABLE agent_runs (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id         BIGINT  NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    job_id            BIGINT  REFERENCES jobs (id) ON DELETE SET NULL,
    trigger           TEXT    NOT NULL CHECK (trigger IN ('new_messages', 'feedback')),
    model             TEXT    NOT NULL,
    offline           BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON array as text: every LLM request and response, every tool call and result.
    transcript        TEXT    NOT NULL DEFAULT '[]',
    prompt_tokens     BIGINT  NOT NULL DEFAULT 0,
    completion_tokens BIGINT  NOT NULL DEFAULT 0,
    -- The newest message the agent saw; a draft is stale if a newer one arrived since.
    -- A plain number, as on SQLite (no foreign key).
    snapshot_message  BIGINT,
    started_at        TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    finished_at       TEXT COLLATE "C",
    duration_ms       BIGINT,
    -- NULL while the run is in progress.
    outcome           TEXT    CHECK (outcome IN ('drafted', 'no_reply', 'stale', 'failed')),
    reason            TEXT,
    error             TEXT
);
CREATE INDEX agent_runs_thread ON agent_runs (thread_id, id);

CREATE TABLE drafts (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The contract's external id.
    draft_message_id  TEXT    NOT NULL,
    user_id           BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id         BIGINT  NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    content           TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
    -- The revision chain: the draft this one revises and the feedback that asked for it.
    revises_draft_id  BIGINT  REFERENCES drafts (id),
    feedback          TEXT,
    agent_run_id      BIGINT  REFERENCES agent_runs (id) ON DELETE SET NULL,
    -- The newest message when the draft was written: the one it answers.
    answers_message   BIGINT  REFERENCES messages (id) ON DELETE SET NULL,
    final_content     TEXT,
    created_at        TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    decided_at        TEXT COLLATE "C",
    CONSTRAINT drafts_draft_message_id_key UNIQUE (draft_message_id)
);
CREATE INDEX drafts_user_status ON drafts (user_id, status, id);
-- At most one pending draft per thread.
CREATE UNIQUE INDEX drafts_one_pending ON drafts (thread_id) WHERE status = 'pending';
