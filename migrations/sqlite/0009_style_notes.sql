-- Style notes as a reviewable, versioned list (issue 16), replacing the one text of
-- `users.style_notes`; what each agent run was given; approvals with edits and the notes
-- they suggest.

-- One row per version of a note. A note is "always" (thread_id NULL) or for one contact
-- (thread_id: draftdesk knows a contact by its thread). Editing a note adds a version
-- that replaces the current one, and retires it; retiring sets retired_at; restoring
-- clears it. So the versions in force are exactly those with retired_at NULL.
CREATE TABLE style_notes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id   INTEGER REFERENCES threads (id) ON DELETE CASCADE,
    text        TEXT    NOT NULL CHECK (length(text) > 0),
    -- Who or what added this version: the user in Settings, the reviewer's feedback with
    -- the reach they chose, feedback the model judged lasting ("let draftdesk decide"),
    -- an accepted proposal from edits, or a line of the old text carried over.
    source      TEXT    NOT NULL
                        CHECK (source IN ('settings', 'feedback', 'learned', 'edits', 'carried_over')),
    -- The feedback it came from, and the draft that feedback was given on.
    feedback    TEXT,
    draft_id    INTEGER REFERENCES drafts (id) ON DELETE SET NULL,
    -- The note's first version (NULL on the first version itself), and the version this
    -- one replaces.
    origin_id   INTEGER REFERENCES style_notes (id) ON DELETE CASCADE,
    replaces_id INTEGER REFERENCES style_notes (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    retired_at  TEXT
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
WITH RECURSIVE split (user_id, line, rest, n) AS (
    SELECT id, '', replace(style_notes, char(13), '') || char(10), 0 FROM users
    UNION ALL
    SELECT user_id, trim(substr(rest, 1, instr(rest, char(10)) - 1), ' ' || char(9)),
           substr(rest, instr(rest, char(10)) + 1), n + 1
    FROM split WHERE rest <> ''
),
bare (user_id, line, n) AS (
    SELECT user_id,
           CASE WHEN line IN ('-', '*') THEN ''
                WHEN substr(line, 1, 2) IN ('- ', '* ') THEN trim(substr(line, 3), ' ' || char(9))
                ELSE line END,
           n
    FROM split WHERE n > 0
)
SELECT user_id, line, 'carried_over' FROM bare WHERE line <> '' ORDER BY user_id, n;

ALTER TABLE users DROP COLUMN style_notes;

-- The notes in force when a run started (a JSON array of style_notes ids); NULL for runs
-- from before notes were recorded.
ALTER TABLE agent_runs ADD COLUMN style_note_ids TEXT;

-- An approval whose final text differs from the draft: how it differs, as the small
-- classifier in src/notes/edits.rs reads it.
CREATE TABLE draft_edits (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    draft_id         INTEGER NOT NULL UNIQUE REFERENCES drafts (id) ON DELETE CASCADE,
    -- The lengths in characters of the draft and of the text approved.
    draft_chars      INTEGER NOT NULL,
    final_chars      INTEGER NOT NULL,
    greeting_removed INTEGER NOT NULL DEFAULT 0 CHECK (greeting_removed IN (0, 1)),
    sign_off_removed INTEGER NOT NULL DEFAULT 0 CHECK (sign_off_removed IN (0, 1)),
    emojis_removed   INTEGER NOT NULL DEFAULT 0 CHECK (emojis_removed IN (0, 1)),
    -- How much shorter the rest of the text became, in percent (0 when not shorter).
    shortened_pct    INTEGER NOT NULL DEFAULT 0,
    -- Changed in some other way (words added or rewritten).
    other            INTEGER NOT NULL DEFAULT 0 CHECK (other IN (0, 1)),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX draft_edits_user ON draft_edits (user_id, id);

-- A note proposed from edits of one kind that recur, shown until accepted or dismissed.
-- After either, that kind is proposed again only from edits newer than through_edit_id.
CREATE TABLE note_proposals (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('greeting', 'sign_off', 'emojis', 'shortened')),
    text            TEXT    NOT NULL,
    -- The evidence: this kind in `seen` of the last `out_of` edited approvals, the newest
    -- of them draft_edits.id = through_edit_id (a plain number: edits go with their drafts).
    seen            INTEGER NOT NULL,
    out_of          INTEGER NOT NULL,
    through_edit_id INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'open'
                            CHECK (state IN ('open', 'accepted', 'dismissed')),
    -- The note made on acceptance.
    note_id         INTEGER REFERENCES style_notes (id) ON DELETE SET NULL,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    decided_at      TEXT
);
CREATE INDEX note_proposals_user ON note_proposals (user_id, kind);
CREATE INDEX note_proposals_note ON note_proposals (note_id);
-- At most one open proposal of a kind per user.
CREATE UNIQUE INDEX note_proposals_one_open ON note_proposals (user_id, kind) WHERE state = 'open';
