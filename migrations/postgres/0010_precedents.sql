-- "Based on" (issue 16): what each agent run was shown from the user's other
-- conversations, and what the reviewer asked never to be used again. The twin of
-- migrations/sqlite/0010_precedents.sql.

-- One row per precedent a run looked up and was shown, in the order it met them:
-- an approved reply found by search_past_messages ('approved'), a message of the other
-- side found by it with the user's answer ('exchange'), a recent approved reply put in
-- the prompt as an example of the user's voice ('example'), or a conversation read in
-- full with get_thread ('thread'). The run's transcript keeps the full text; this keeps
-- what it was, where it is, and a short excerpt. A precedent removed since (a message
-- taken out of its thread) goes with it.
CREATE TABLE run_precedents (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id     BIGINT  NOT NULL REFERENCES agent_runs (id) ON DELETE CASCADE,
    position   BIGINT  NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('approved', 'exchange', 'example', 'thread')),
    -- The approved reply ('approved', 'example') or the message ('exchange').
    draft_id   BIGINT  REFERENCES drafts (id) ON DELETE CASCADE,
    message_id BIGINT  REFERENCES messages (id) ON DELETE CASCADE,
    -- Where it is: the conversation its page links to (the one read, for 'thread').
    thread_id  BIGINT  NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    -- The reply, the message or (for 'thread') the conversation's last message, clipped.
    excerpt    TEXT    NOT NULL,
    -- For an 'exchange': what the user answered next, clipped, if they did.
    answer     TEXT,
    CHECK ((draft_id IS NOT NULL) = (kind IN ('approved', 'example'))),
    CHECK ((message_id IS NOT NULL) = (kind = 'exchange'))
);
CREATE INDEX run_precedents_run ON run_precedents (run_id, position);

-- What the reviewer asked the agent not to use again ("Don't use this again"): an
-- approved reply, a message of the other side, or a whole conversation (exactly one),
-- for good (for_thread_id NULL) or only in the runs of one thread ("for this contact").
-- Search and the examples in the prompt skip them.
CREATE TABLE excluded_precedents (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    for_thread_id BIGINT  REFERENCES threads (id) ON DELETE CASCADE,
    draft_id      BIGINT  REFERENCES drafts (id) ON DELETE CASCADE,
    message_id    BIGINT  REFERENCES messages (id) ON DELETE CASCADE,
    thread_id     BIGINT  REFERENCES threads (id) ON DELETE CASCADE,
    created_at    TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    CHECK (num_nonnulls(draft_id, message_id, thread_id) = 1)
);
-- Once per user, scope and precedent (excluding twice changes nothing). Searches read a
-- user's exclusions once per query (`NOT IN`), by this index's first column.
CREATE UNIQUE INDEX excluded_precedents_once ON excluded_precedents (
    user_id, coalesce(for_thread_id, 0), coalesce(draft_id, 0), coalesce(message_id, 0),
    coalesce(thread_id, 0)
);
-- "Based on" marks each precedent a page lists as excluded or not: by the excluded reply,
-- message or conversation, each by its own index (these also serve the cascades when one
-- is deleted).
CREATE INDEX excluded_precedents_draft ON excluded_precedents (draft_id);
CREATE INDEX excluded_precedents_message ON excluded_precedents (message_id);
CREATE INDEX excluded_precedents_thread ON excluded_precedents (thread_id);
