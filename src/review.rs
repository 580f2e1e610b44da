//! Review actions: feedback (queues a revision), reject, approve, and the answers to "no reply needed": draft anyway, or dismiss.

use crate::db::drafts::{Draft, DraftStatus};
use crate::db::users::User;
use crate::db::{self, Db, JobId, RunId, ThreadId, Timestamp};
use crate::error::AppError;
use crate::jobs::{EnqueueError, FeedbackPiece, JobQueue, RetryError};
use crate::notes::{self, Reach};

/// Why a review action was not done. The API and the pages each say it their own way
/// (the API names ids; the pages do not).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no draft with id '{0}'")]
    NoDraft(String),
    #[error("draft '{id}' is {} and no longer waiting for review", status.as_str())]
    NotPending {
        id: String,
        status: DraftStatus,
        thread_id: ThreadId,
    },
    #[error("the final text is empty; write the reply, or approve the draft as it is")]
    EmptyFinalText,
    #[error(
        "the final text is longer than {} characters",
        crate::limits::MAX_CONTENT
    )]
    FinalTextTooLong,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(error: sqlx::Error) -> Self {
        Self::Enqueue(EnqueueError::Database(error))
    }
}

impl From<RetryError> for ReviewError {
    fn from(error: RetryError) -> Self {
        match error {
            RetryError::NotFound(_) => Self::NotFound(error.to_string()),
            RetryError::NotFailed(_) | RetryError::Unreadable { .. } => {
                Self::Conflict(error.to_string())
            }
            RetryError::Enqueue(error) => Self::Enqueue(error),
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::NoDraft(_) | ReviewError::NotFound(_) => Self::NotFound(error.to_string()),
            ReviewError::NotPending { .. } | ReviewError::Conflict(_) => {
                Self::Conflict(error.to_string())
            }
            ReviewError::EmptyFinalText | ReviewError::FinalTextTooLong => {
                Self::invalid("final_content", error.to_string())
            }
            ReviewError::Enqueue(error) => error.into(),
        }
    }
}

/// Finds a draft of the user that is still waiting for review.
async fn pending_draft(
    conn: &mut crate::db::Tx,
    user: &User,
    draft_message_id: &str,
) -> Result<Draft, ReviewError> {
    let draft = db::drafts::find_for_user(conn.exec(), user.id, draft_message_id)
        .await?
        .ok_or_else(|| ReviewError::NoDraft(draft_message_id.to_owned()))?;
    if draft.status != DraftStatus::Pending {
        return Err(ReviewError::NotPending {
            id: draft_message_id.to_owned(),
            status: draft.status,
            thread_id: draft.thread_id,
        });
    }
    Ok(draft)
}

/// The longest feedback one revision takes (several pieces given before the revision
/// starts are joined, up to this many characters).
pub use crate::limits::MAX_FEEDBACK;

/// Queues a revision of a pending draft from the reviewer's feedback, or adds the
/// feedback to the revision already queued for it; returns the job id. `reach` says
/// whether the feedback is for this draft only, becomes a note for this contact or for
/// every draft, or is left to the model to judge (`notes::Reach`).
pub async fn give_feedback(
    jobs: &JobQueue,
    user: &User,
    draft_message_id: &str,
    feedback: &str,
    reach: Reach,
) -> Result<JobId, ReviewError> {
    let mut tx = jobs.db().begin().await?;
    let draft = pending_draft(&mut tx, user, draft_message_id).await?;
    let now = Timestamp::now();
    let piece = FeedbackPiece {
        feedback: feedback.to_owned(),
        reach,
    };
    let job_id = jobs
        .enqueue_revise(&mut tx, user.id, draft.thread_id, draft.id, &[piece], now)
        .await?;
    tx.commit().await?;
    jobs.wake();
    Ok(job_id)
}

/// Rejects a pending draft: it leaves the review queue.
pub async fn reject(db: &Db, user: &User, draft_message_id: &str) -> Result<Draft, ReviewError> {
    decide(db, user, draft_message_id, DraftStatus::Rejected, None).await
}

/// Approves a pending draft with its final text (the draft's own when not edited).
pub async fn approve(
    db: &Db,
    user: &User,
    draft_message_id: &str,
    final_content: Option<&str>,
) -> Result<Draft, ReviewError> {
    decide(
        db,
        user,
        draft_message_id,
        DraftStatus::Approved,
        final_content,
    )
    .await
}

async fn decide(
    db: &Db,
    user: &User,
    draft_message_id: &str,
    status: DraftStatus,
    final_content: Option<&str>,
) -> Result<Draft, ReviewError> {
    // The same limit for the API and the pages, checked before the writer is taken.
    if final_content.is_some_and(|text| text.chars().count() > crate::limits::MAX_CONTENT) {
        return Err(ReviewError::FinalTextTooLong);
    }
    let mut tx = db.begin().await?;
    let mut draft = pending_draft(&mut tx, user, draft_message_id).await?;
    let final_content = match status {
        DraftStatus::Approved => match final_content {
            // An emptied box is a mistake, not "approve the original".
            Some(text) if text.trim().is_empty() => return Err(ReviewError::EmptyFinalText),
            Some(text) => Some(text.to_owned()),
            None => Some(draft.content.clone()),
        },
        _ => None,
    };
    let now = Timestamp::now();
    db::drafts::decide(tx.exec(), draft.id, status, final_content.as_deref(), now).await?;
    if let Some(text) = &final_content {
        // An edited approval teaches: the difference is kept, and may make a proposal.
        notes::edits::record(&mut tx, user.id, &draft, text, now).await?;
    }
    tx.commit().await?;
    draft.status = status;
    draft.final_content = final_content;
    draft.decided_at = Some(now);
    Ok(draft)
}

/// Asks for a draft of a thread whose run decided no reply was needed ("Draft anyway");
/// returns the job's id.
pub async fn draft_anyway(
    jobs: &JobQueue,
    user: &User,
    thread_id: ThreadId,
) -> Result<JobId, ReviewError> {
    let db = jobs.db();
    db::threads::find(db.read(), user.id, thread_id)
        .await?
        .ok_or_else(|| ReviewError::NotFound(format!("no thread with id {thread_id}")))?;
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    let id = jobs.request_reply(&mut tx, user.id, thread_id, now).await?;
    tx.commit().await?;
    jobs.wake();
    Ok(id)
}

/// Takes a "no reply needed" decision off the dashboard.
pub async fn dismiss_no_reply(db: &Db, user: &User, run_id: RunId) -> Result<(), ReviewError> {
    if db::activity::dismiss_no_reply(db.write(), user.id, run_id, Timestamp::now()).await? {
        Ok(())
    } else {
        Err(ReviewError::NotFound(format!(
            "no decision with id {run_id}"
        )))
    }
}

/// Takes back a rejection: the draft waits for review again, unless its thread has a
/// newer draft meanwhile.
pub async fn undo_reject(db: &Db, user: &User, draft_message_id: &str) -> Result<(), ReviewError> {
    if db::drafts::undo_reject(db.write(), user.id, draft_message_id).await? {
        return Ok(());
    }
    match db::drafts::find_for_user(db.read(), user.id, draft_message_id).await? {
        None => Err(ReviewError::NoDraft(draft_message_id.to_owned())),
        Some(_) => Err(ReviewError::Conflict(
            "the rejection cannot be undone: the draft was decided otherwise, or its thread \
             has a newer draft"
                .to_owned(),
        )),
    }
}
