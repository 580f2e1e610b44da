//! The `style_notes` table: one row per version of a note.
//!
//! A note's versions share its first version's id (`origin_id`, NULL on the first one).
//! Editing adds a version that replaces the current one and retires it, so the versions
//! in force are exactly those with `retired_at` NULL, at most one per note.

use super::{Backend, Exec, on};

use super::{DraftId, NoteId, RunId, ThreadId, Timestamp, UserId};

/// Who or what added a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The user, in Settings (a new note, or an edit).
    Settings,
    /// The reviewer's feedback, with the reach they chose ("this contact", "always").
    Feedback,
    /// Feedback the model judged lasting ("let draftdesk decide").
    Learned,
    /// A proposal from repeated edits, accepted by the user.
    Edits,
    /// A line of the style notes text from before notes were a list.
    CarriedOver,
}

super::stored_as_text!(Source {
    Settings => "settings",
    Feedback => "feedback",
    Learned => "learned",
    Edits => "edits",
    CarriedOver => "carried_over",
});

/// A stored version of a note.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StyleNote {
    pub id: NoteId,
    pub user_id: UserId,
    /// The contact (thread) the note is for; `None` for an "always" note.
    pub thread_id: Option<ThreadId>,
    pub text: String,
    pub source: Source,
    pub feedback: Option<String>,
    pub draft_id: Option<DraftId>,
    pub origin_id: Option<NoteId>,
    pub replaces_id: Option<NoteId>,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

impl StyleNote {
    /// The note's first version, which names the note across its versions.
    pub fn origin(&self) -> NoteId {
        self.origin_id.unwrap_or(self.id)
    }
}

const COLUMNS: &str = "id, user_id, thread_id, text, source, feedback, draft_id, origin_id, \
    replaces_id, created_at, retired_at";

/// A note about to be stored (its first version).
#[derive(Debug, Clone)]
pub struct NewNote<'a> {
    pub user_id: UserId,
    pub thread_id: Option<ThreadId>,
    pub text: &'a str,
    pub source: Source,
    pub feedback: Option<&'a str>,
    pub draft_id: Option<DraftId>,
}

/// Stores a new note.
pub async fn insert(
    exec: Exec<'_>,
    n: &NewNote<'_>,
    now: Timestamp,
) -> Result<StyleNote, sqlx::Error> {
    on!(exec, |c| {
        sqlx::query_as(&format!(
        "INSERT INTO style_notes (user_id, thread_id, text, source, feedback, draft_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(n.user_id)
    .bind(n.thread_id)
    .bind(n.text)
    .bind(n.source)
    .bind(n.feedback)
    .bind(n.draft_id)
    .bind(now)
    .fetch_one(c)
    .await
    })
}

/// Stores a new note unless a note in force in the same place (always, or the same
/// thread) already says the same, case aside; `None` then.
pub async fn insert_unless_said(
    exec: Exec<'_>,
    n: &NewNote<'_>,
    now: Timestamp,
) -> Result<Option<StyleNote>, sqlx::Error> {
    on!(exec, |c| {
        sqlx::query_as(&format!(
        "INSERT INTO style_notes (user_id, thread_id, text, source, feedback, draft_id, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE NOT EXISTS (SELECT 1 FROM style_notes s \
                           WHERE s.user_id = $1 AND s.retired_at IS NULL \
                             AND (s.thread_id = $2 OR (s.thread_id IS NULL AND $2 IS NULL)) \
                             AND lower(s.text) = lower($3)) \
         RETURNING {COLUMNS}"
    ))
    .bind(n.user_id)
    .bind(n.thread_id)
    .bind(n.text)
    .bind(n.source)
    .bind(n.feedback)
    .bind(n.draft_id)
    .bind(now)
    .fetch_optional(c)
    .await
    })
}

/// The notes a run on `thread_id` is given: the user's "always" notes, then that
/// thread's, each in the order they were added; never a retired one.
pub async fn in_force(
    exec: Exec<'_>,
    user_id: UserId,
    thread_id: ThreadId,
) -> Result<Vec<StyleNote>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM style_notes \
         WHERE user_id = $1 AND retired_at IS NULL AND (thread_id IS NULL OR thread_id = $2) \
         ORDER BY coalesce(thread_id, 0), id"
    ))
    .bind(user_id)
    .bind(thread_id)
    .fetch_all(c)
    .await)
}

/// A version of one of the user's notes.
pub async fn find(
    exec: Exec<'_>,
    user_id: UserId,
    id: NoteId,
) -> Result<Option<StyleNote>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM style_notes WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(c)
    .await)
}

/// The newest version of the note whose first version is `origin`.
pub async fn current_version(
    exec: Exec<'_>,
    user_id: UserId,
    origin: NoteId,
) -> Result<Option<StyleNote>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM style_notes \
         WHERE user_id = $1 AND (id = $2 OR origin_id = $2) ORDER BY id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(origin)
    .fetch_optional(c)
    .await)
}

/// A version as the settings page lists it: with its thread's name and the thread of
/// the draft its feedback was given on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedNote {
    #[sqlx(flatten)]
    pub note: StyleNote,
    pub thread_name: Option<String>,
    pub draft_thread_id: Option<ThreadId>,
    pub draft_thread_name: Option<String>,
}

/// Every version of every note of the user, oldest first.
pub async fn list_for_user(
    exec: Exec<'_>,
    user_id: UserId,
) -> Result<Vec<ListedNote>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT n.id, n.user_id, n.thread_id, n.text, n.source, n.feedback, n.draft_id, \
                n.origin_id, n.replaces_id, n.created_at, n.retired_at, \
                t.name AS thread_name, d.thread_id AS draft_thread_id, \
                dt.name AS draft_thread_name \
         FROM style_notes n \
         LEFT JOIN threads t ON t.id = n.thread_id \
         LEFT JOIN drafts d ON d.id = n.draft_id \
         LEFT JOIN threads dt ON dt.id = d.thread_id \
         WHERE n.user_id = $1 ORDER BY n.id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Retires a version in force; false if it was not (retired, replaced, or not the
/// user's).
pub async fn retire(
    exec: Exec<'_>,
    user_id: UserId,
    id: NoteId,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE style_notes SET retired_at = $1 \
         WHERE id = $2 AND user_id = $3 AND retired_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Puts a retired note back in force; false unless `id` is a retired version that no
/// newer version replaced.
pub async fn restore(exec: Exec<'_>, user_id: UserId, id: NoteId) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE style_notes SET retired_at = NULL \
         WHERE id = $1 AND user_id = $2 AND retired_at IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM style_notes s WHERE s.replaces_id = $1)"
    )
    .bind(id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Adds the version that replaces `old` (retired by the caller in the same transaction),
/// with the new text: the same note, in the same place, written in Settings.
pub async fn insert_version(
    exec: Exec<'_>,
    user_id: UserId,
    old: NoteId,
    text: &str,
    now: Timestamp,
) -> Result<StyleNote, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "INSERT INTO style_notes (user_id, thread_id, text, source, origin_id, replaces_id, \
                                  created_at) \
         SELECT user_id, thread_id, $1, 'settings', coalesce(origin_id, id), id, $2 \
         FROM style_notes WHERE id = $3 AND user_id = $4 \
         RETURNING {COLUMNS}"
    ))
    .bind(text)
    .bind(now)
    .bind(old)
    .bind(user_id)
    .fetch_one(c)
    .await)
}

/// A note a run was given, and what became of the note since.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GivenNote {
    pub run_id: RunId,
    /// The version the run was given.
    #[sqlx(flatten)]
    pub note: StyleNote,
    /// The note's newest version now (the given one, unless it was edited since).
    pub current_id: NoteId,
    pub current_text: String,
    pub current_retired_at: Option<Timestamp>,
}

impl GivenNote {
    /// Whether the note is still given to runs, in some version.
    pub fn in_force(&self) -> bool {
        self.current_retired_at.is_none()
    }

    /// Whether the note was edited after the run was given it.
    pub fn edited_since(&self) -> bool {
        self.current_id != self.note.id
    }
}

/// The notes the user's runs were given, as recorded when each started (none for a run
/// from before notes were recorded), by run and in the order given.
pub async fn for_runs(
    exec: Exec<'_>,
    user_id: UserId,
    run_ids: &[RunId],
) -> Result<Vec<GivenNote>, sqlx::Error> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(run_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT r.id AS run_id, n.id, n.user_id, n.thread_id, n.text, n.source, n.feedback, \
                    n.draft_id, n.origin_id, n.replaces_id, n.created_at, n.retired_at, \
                    c.id AS current_id, c.text AS current_text, c.retired_at AS current_retired_at \
             FROM agent_runs r, json_each(coalesce(r.style_note_ids, '[]')) j \
             JOIN style_notes n ON n.id = j.value \
             JOIN style_notes c ON c.id = (SELECT max(s.id) FROM style_notes s \
                                           WHERE s.id = coalesce(n.origin_id, n.id) \
                                              OR s.origin_id = coalesce(n.origin_id, n.id)) \
             WHERE r.id IN (SELECT value FROM json_each($1)) AND n.user_id = $2 \
             ORDER BY r.id, j.key"
        }
        Backend::Postgres => {
            "SELECT r.id AS run_id, n.id, n.user_id, n.thread_id, n.text, n.source, n.feedback, \
                    n.draft_id, n.origin_id, n.replaces_id, n.created_at, n.retired_at, \
                    c.id AS current_id, c.text AS current_text, c.retired_at AS current_retired_at \
             FROM agent_runs r \
             CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(r.style_note_ids, '[]')::jsonb) \
                  WITH ORDINALITY AS j (value, pos) \
             JOIN style_notes n ON n.id = j.value::bigint \
             JOIN style_notes c ON c.id = (SELECT max(s.id) FROM style_notes s \
                                           WHERE s.id = coalesce(n.origin_id, n.id) \
                                              OR s.origin_id = coalesce(n.origin_id, n.id)) \
             WHERE r.id IN (SELECT json_array_elements_text($1::json)::bigint) AND n.user_id = $2 \
             ORDER BY r.id, j.pos"
        }
    };
    on!(exec, |c| sqlx::query_as(sql)
        .bind(&ids)
        .bind(user_id)
        .fetch_all(c)
        .await)
}
