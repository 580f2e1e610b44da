//! The `drafts` table: proposed replies, their status and their revision chain.

use super::{Backend, Exec, on};

use super::{DraftId, MessageId, RunId, ThreadId, Timestamp, UserId};

/// Where a draft is in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftStatus {
    Pending,
    Approved,
    Rejected,
    Superseded,
}

super::stored_as_text!(DraftStatus { Pending => "pending", Approved => "approved", Rejected => "rejected", Superseded => "superseded" });

/// A stored draft.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    pub id: DraftId,
    pub draft_message_id: String,
    pub user_id: UserId,
    pub thread_id: ThreadId,
    pub content: String,
    pub status: DraftStatus,
    pub revises_draft_id: Option<DraftId>,
    pub feedback: Option<String>,
    pub agent_run_id: Option<RunId>,
    pub answers_message: Option<MessageId>,
    pub final_content: Option<String>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, draft_message_id, user_id, thread_id, content, status, \
    revises_draft_id, feedback, agent_run_id, answers_message, final_content, created_at, \
    decided_at";

/// A draft about to be stored.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub draft_message_id: &'a str,
    pub user_id: UserId,
    pub thread_id: ThreadId,
    pub content: &'a str,
    pub revises_draft_id: Option<DraftId>,
    pub feedback: Option<&'a str>,
    pub agent_run_id: Option<RunId>,
    pub answers_message: Option<MessageId>,
}

/// Stores a pending draft. Fails with a unique violation if the thread already has one.
pub async fn insert(exec: Exec<'_>, d: &NewDraft<'_>) -> Result<Draft, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "INSERT INTO drafts (draft_message_id, user_id, thread_id, content, revises_draft_id, \
                             feedback, agent_run_id, answers_message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(d.draft_message_id)
    .bind(d.user_id)
    .bind(d.thread_id)
    .bind(d.content)
    .bind(d.revises_draft_id)
    .bind(d.feedback)
    .bind(d.agent_run_id)
    .bind(d.answers_message)
    .fetch_one(c)
    .await)
}

/// A draft of the given user by its external id; another user's draft is not found.
pub async fn find_for_user(
    exec: Exec<'_>,
    user_id: UserId,
    draft_message_id: &str,
) -> Result<Option<Draft>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM drafts WHERE draft_message_id = $1 AND user_id = $2"
    ))
    .bind(draft_message_id)
    .bind(user_id)
    .fetch_optional(c)
    .await)
}

/// Marks the thread's pending draft superseded; returns its external id if there was one.
pub async fn supersede_pending(
    exec: Exec<'_>,
    thread_id: ThreadId,
    now: Timestamp,
) -> Result<Option<String>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "UPDATE drafts SET status = 'superseded', decided_at = $1 \
         WHERE thread_id = $2 AND status = 'pending' RETURNING draft_message_id",
    )
    .bind(now)
    .bind(thread_id)
    .fetch_optional(c)
    .await)
}

/// Moves a pending draft to `status`; returns false if it was no longer pending.
pub async fn decide(
    exec: Exec<'_>,
    draft_id: DraftId,
    status: DraftStatus,
    final_content: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE drafts SET status = $1, final_content = $2, decided_at = $3 \
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(status)
    .bind(final_content)
    .bind(now)
    .bind(draft_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// A pending draft with the name of its thread, as the review queue lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PendingDraft {
    pub draft_message_id: String,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub content: String,
    pub feedback: Option<String>,
    pub revises: Option<String>,
    pub created_at: Timestamp,
}

/// The user's drafts waiting for review, newest first.
///
/// SQLite hands them over as one JSON array: sqlx passes each row of a SQLite result
/// from the connection's thread to ours, which for a client polling a long queue costs
/// more than the query (1,000 drafts: 1.7 times the requests per second). PostgreSQL
/// sends rows, which is faster there than building JSON on the server.
pub async fn list_pending(
    exec: Exec<'_>,
    user_id: UserId,
) -> Result<Vec<PendingDraft>, sqlx::Error> {
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT json_group_array(json_object( \
                      'draft_message_id', d.draft_message_id, 'thread_id', d.thread_id, \
                      'thread_name', t.name, 'content', d.content, 'feedback', d.feedback, \
                      'revises', p.draft_message_id, 'created_at', d.created_at) \
                    ORDER BY d.id DESC) \
             FROM drafts d \
             JOIN threads t ON t.id = d.thread_id \
             LEFT JOIN drafts p ON p.id = d.revises_draft_id \
             WHERE d.user_id = $1 AND d.status = 'pending'"
        }
        Backend::Postgres => {
            "SELECT d.draft_message_id, d.thread_id, t.name AS thread_name, d.content, \
                    d.feedback, p.draft_message_id AS revises, d.created_at \
             FROM drafts d \
             JOIN threads t ON t.id = d.thread_id \
             LEFT JOIN drafts p ON p.id = d.revises_draft_id \
             WHERE d.user_id = $1 AND d.status = 'pending' \
             ORDER BY d.id DESC"
        }
    };
    if matches!(exec.backend(), Backend::Sqlite) {
        let list: String = on!(exec, |c| sqlx::query_scalar(sql)
            .bind(user_id)
            .fetch_one(c)
            .await)?;
        serde_json::from_str(&list).map_err(|e| sqlx::Error::Decode(e.into()))
    } else {
        on!(exec, |c| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(c)
            .await)
    }
}

/// A draft by its row id.
pub async fn find(exec: Exec<'_>, id: DraftId) -> Result<Option<Draft>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM drafts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// The thread's pending draft, if it has one.
pub async fn pending_for_thread(
    exec: Exec<'_>,
    thread_id: ThreadId,
) -> Result<Option<Draft>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM drafts WHERE thread_id = $1 AND status = 'pending'"
    ))
    .bind(thread_id)
    .fetch_optional(c)
    .await)
}

/// Every draft of a thread, oldest first (the revision chains).
pub async fn list_thread(exec: Exec<'_>, thread_id: ThreadId) -> Result<Vec<Draft>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM drafts WHERE thread_id = $1 ORDER BY id"
    ))
    .bind(thread_id)
    .fetch_all(c)
    .await)
}

/// Puts a rejected draft of the user back in review, if its thread has no pending draft
/// meanwhile; returns whether it did.
pub async fn undo_reject(
    exec: Exec<'_>,
    user_id: UserId,
    draft_message_id: &str,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE drafts SET status = 'pending', decided_at = NULL \
         WHERE draft_message_id = $1 AND user_id = $2 AND status = 'rejected' \
           AND NOT EXISTS (SELECT 1 FROM drafts p \
                           WHERE p.thread_id = drafts.thread_id AND p.status = 'pending')",
    )
    .bind(draft_message_id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// The user's threads with an approved draft, each by its latest approved draft, the
/// most recently approved first; at most `limit`.
pub async fn latest_approved_per_thread(
    exec: Exec<'_>,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<Draft>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM drafts d \
         WHERE d.user_id = $1 AND d.status = 'approved' \
           AND NOT EXISTS (SELECT 1 FROM drafts later \
                           WHERE later.thread_id = d.thread_id AND later.status = 'approved' \
                             AND (later.decided_at, later.id) > (d.decided_at, d.id)) \
         ORDER BY d.decided_at DESC, d.id DESC LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await)
}
