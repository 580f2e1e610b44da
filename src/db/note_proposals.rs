//! The `note_proposals` table: notes proposed from repeated edits of one kind, until
//! the user accepts or dismisses them.

use super::{Exec, on};

use super::{EditId, NoteId, ProposalId, Timestamp, UserId};

/// The kind of repeated edit a proposal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditKind {
    Greeting,
    SignOff,
    Emojis,
    Shortened,
}

super::stored_as_text!(EditKind {
    Greeting => "greeting",
    SignOff => "sign_off",
    Emojis => "emojis",
    Shortened => "shortened",
});

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Open,
    Accepted,
    Dismissed,
}

super::stored_as_text!(ProposalState {
    Open => "open",
    Accepted => "accepted",
    Dismissed => "dismissed",
});

/// A stored proposal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Proposal {
    pub id: ProposalId,
    pub user_id: UserId,
    pub kind: EditKind,
    pub text: String,
    /// This kind in `seen` of the last `out_of` edited approvals.
    pub seen: i64,
    pub out_of: i64,
    pub through_edit_id: EditId,
    pub state: ProposalState,
    pub note_id: Option<NoteId>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, user_id, kind, text, seen, out_of, through_edit_id, state, note_id, created_at, decided_at";

/// A proposal about to be stored.
#[derive(Debug, Clone)]
pub struct NewProposal {
    pub kind: EditKind,
    pub text: String,
    pub seen: i64,
    pub out_of: i64,
    pub through_edit_id: EditId,
}

/// Stores an open proposal, unless one of its kind is open already; returns whether it
/// did.
pub async fn insert_open(
    exec: Exec<'_>,
    user_id: UserId,
    p: &NewProposal,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "INSERT INTO note_proposals (user_id, kind, text, seen, out_of, through_edit_id, \
                                     created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(p.kind)
    .bind(&p.text)
    .bind(p.seen)
    .bind(p.out_of)
    .bind(p.through_edit_id)
    .bind(now)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// The user's open proposals, oldest first.
pub async fn open(exec: Exec<'_>, user_id: UserId) -> Result<Vec<Proposal>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM note_proposals WHERE user_id = $1 AND state = 'open' ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Per kind, the newest edit any proposal of that kind counted: only newer edits count
/// towards another.
pub async fn counted_through(
    exec: Exec<'_>,
    user_id: UserId,
) -> Result<Vec<(EditKind, EditId)>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT kind, max(through_edit_id) FROM note_proposals WHERE user_id = $1 GROUP BY kind",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Kinds not to propose now: one is open, or an accepted one's note is still in force
/// (in any version).
pub async fn settled_kinds(exec: Exec<'_>, user_id: UserId) -> Result<Vec<EditKind>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT DISTINCT p.kind FROM note_proposals p \
         WHERE p.user_id = $1 \
           AND (p.state = 'open' \
                OR (p.state = 'accepted' \
                    AND EXISTS (SELECT 1 FROM style_notes n \
                                WHERE n.retired_at IS NULL \
                                  AND (n.id = p.note_id OR n.origin_id = p.note_id))))",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// An open proposal of the user.
pub async fn find_open(
    exec: Exec<'_>,
    user_id: UserId,
    id: ProposalId,
) -> Result<Option<Proposal>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM note_proposals WHERE id = $1 AND user_id = $2 AND state = 'open'"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(c)
    .await)
}

/// Whether the user has a proposal with this id, in any state.
pub async fn exists(exec: Exec<'_>, user_id: UserId, id: ProposalId) -> Result<bool, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM note_proposals WHERE id = $1 AND user_id = $2)"
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(c)
    .await)
}

/// Closes an open proposal as accepted (with its note) or dismissed; false if it was no
/// longer open.
pub async fn decide(
    exec: Exec<'_>,
    user_id: UserId,
    id: ProposalId,
    state: ProposalState,
    note_id: Option<NoteId>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE note_proposals SET state = $1, note_id = $2, decided_at = $3 \
         WHERE id = $4 AND user_id = $5 AND state = 'open'",
    )
    .bind(state)
    .bind(note_id)
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}
