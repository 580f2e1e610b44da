-- Style notes as a reviewable, versioned list (issue 16), replacing the one text of
-- `users.style_notes`; what each agent run was given; approvals with edits and the notes
-- they suggest. The twin of migrations/sqlite/0009_style_notes.sql.

-- One row per version of a note. A note is "always" (thread_id NULL) or for one contact
-- (thread_id: draftdesk knows a contact by its thread). Editing a note adds a version
-- that replaces the current one, and retires it; retiring sets retired_at; restoring
-- clears it. So the versions in force are exactly those with retired_at NULL.
CREATE TABLE style_notes (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id   BIGINT  REFERENCES threads (id) ON DELETE CASCADE,
    text        TEXT    NOT NULL CHECK (length(text) > 0),
    -- Who or what added this version: the user in Settings, the reviewer's feedback with
    -- the reach they chose, feedback the model judged lasting ("let draftdesk decide"),
    -- an accepted proposal from edits, or a line of the old text carried over.
    source      TEXT    NOT NULL
                        CHECK (source IN ('settings', 'feedback', 'learned', 'edits', 'carried_over')),
    -- The feedback it came from, and the draft that feedback was given on.
    feedback    TEXT,
    draft_id    BIGINT  REFERENCES drafts (id) ON DELETE SET NULL,
    -- The note's first version (NULL on the first version itself), and the version this
    -- one replaces.
    origin_id   BIGINT  REFERENCES style_notes (id) ON DELETE CASCADE,
    replaces_id BIGINT  REFERENCES style_notes (id) ON DELETE CASCADE,
    created_at  TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    retired_at  TEXT COLLATE "C"
);
CREATE INDEX style_notes_user ON style_notes (user_id, id);
CREATE INDEX style_notes_thread ON style_notes (thread_id);
CREATE INDEX style_notes_origin ON style_notes (origin_id);
CREATE INDEX style_notes_draft ON style_notes (draft_id);
-- A version is replaced at most once: of two edits of the same version, one wins.
CREATE UNIQUE INDEX style_notes_one_successor ON style_notes (replaces_id);

-- Every non-empty line of the old text becomes a note of its own ("- " and "* " bullets,
-- which learned lines were written with, dropped).
INSERT INTO style_notes (user_id, text, source)
SELECT user_id, line, 'carried_over'
FROM (
    SELECT u.id AS user_id, l.n,
           CASE WHEN l.line IN ('-', '*') THEN ''
                WHEN substr(l.line, 1, 2) IN ('- ', '* ') THEN btrim(substr(l.line, 3), E' \t')
                ELSE l.line END AS line
    FROM users u,
         LATERAL (SELECT btrim(part, E' \t') AS line, n
                  FROM regexp_split_to_table(replace(u.style_notes, chr(13), ''), chr(10))
                       WITH ORDINALITY AS s (part, n)) AS l
) AS lines
WHERE line <> ''
ORDER BY user_id, n;

ALTER TABLE users DROP COLUMN style_notes;

-- The notes in force when a run started (a JSON array of style_notes ids, as text); NULL
-- for runs from before notes were recorded.
ALTER TABLE agent_runs ADD COLUMN style_note_ids TEXT;

-- An approval whose final text differs from the draft: how it differs, as the small
-- classifier in src/notes/edits.rs reads it.
CREATE TABLE draft_edits (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    draft_id         BIGINT  NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    -- The lengths in characters of the draft and of the text approved.
    draft_chars      BIGINT  NOT NULL,
    final_chars      BIGINT  NOT NULL,
    greeting_removed BOOLEAN NOT NULL DEFAULT FALSE,
    sign_off_removed BOOLEAN NOT NULL DEFAULT FALSE,
    emojis_removed   BOOLEAN NOT NULL DEFAULT FALSE,
    -- How much shorter the rest of the text became, in percent (0 when not shorter).
    shortened_pct    BIGINT  NOT NULL DEFAULT 0,
    -- Changed in some other way (words added or rewritten).
    other            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    CONSTRAINT draft_edits_draft_id_key UNIQUE (draft_id)
);
CREATE INDEX draft_edits_user ON draft_edits (user_id, id);

-- A note proposed from edits of one kind that recur, shown until accepted or dismissed.
-- After either, that kind is proposed again only from edits newer than through_edit_id.
CREATE TABLE note_proposals (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('greeting', 'sign_off', 'emojis', 'shortened')),
    text            TEXT    NOT NULL,
    -- The evidence: this kind in `seen` of the last `out_of` edited approvals, the newest
    -- of them draft_edits.id = through_edit_id (a plain number: edits go with their drafts).
    seen            BIGINT  NOT NULL,
    out_of          BIGINT  NOT NULL,
    through_edit_id BIGINT  NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'open'
                            CHECK (state IN ('open', 'accepted', 'dismissed')),
    -- The note made on acceptance.
    note_id         BIGINT  REFERENCES style_notes (id) ON DELETE SET NULL,
    created_at      TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now(),
    decided_at      TEXT COLLATE "C"
);
CREATE INDEX note_proposals_user ON note_proposals (user_id, kind);
CREATE INDEX note_proposals_note ON note_proposals (note_id);
-- At most one open proposal of a kind per user.
CREATE UNIQUE INDEX note_proposals_one_open ON note_proposals (user_id, kind) WHERE state = 'open';
