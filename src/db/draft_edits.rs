//! The `draft_edits` table: approvals whose final text differs from the draft, and how.

use super::{Exec, on};

use super::{DraftId, EditId, Timestamp, UserId};

/// How a final text differs from its draft (see `notes::edits::classify`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct EditKinds {
    pub greeting_removed: bool,
    pub sign_off_removed: bool,
    pub emojis_removed: bool,
    /// How much shorter the rest of the text became, in percent (0 when not shorter).
    pub shortened_pct: i64,
    /// Changed in some other way.
    pub other: bool,
}

/// An edited approval about to be stored.
#[derive(Debug, Clone)]
pub struct NewEdit {
    pub user_id: UserId,
    pub draft_id: DraftId,
    pub draft_chars: i64,
    pub final_chars: i64,
    pub kinds: EditKinds,
}

/// Stores an edited approval; `None` if the draft's edit was stored already.
pub async fn insert(
    exec: Exec<'_>,
    e: &NewEdit,
    now: Timestamp,
) -> Result<Option<EditId>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "INSERT INTO draft_edits (user_id, draft_id, draft_chars, final_chars, greeting_removed, \
                                  sign_off_removed, emojis_removed, shortened_pct, other, \
                                  created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (draft_id) DO NOTHING RETURNING id",
    )
    .bind(e.user_id)
    .bind(e.draft_id)
    .bind(e.draft_chars)
    .bind(e.final_chars)
    .bind(e.kinds.greeting_removed)
    .bind(e.kinds.sign_off_removed)
    .bind(e.kinds.emojis_removed)
    .bind(e.kinds.shortened_pct)
    .bind(e.kinds.other)
    .bind(now)
    .fetch_optional(c)
    .await)
}

/// A stored edit, as the proposals read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RecentEdit {
    pub id: EditId,
    #[sqlx(flatten)]
    pub kinds: EditKinds,
}

/// The user's newest `limit` edited approvals, newest first.
pub async fn recent(
    exec: Exec<'_>,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<RecentEdit>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, greeting_removed, sign_off_removed, emojis_removed, shortened_pct, other \
         FROM draft_edits WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await)
}
