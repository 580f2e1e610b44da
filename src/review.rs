//! Review actions on drafts: feedback (queues a revision), reject and approve.

use crate::db::drafts::{Draft, DraftStatus};
use crate::db::jobs::{JobKind, JobState};
use crate::db::users::User;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::jobs::{JobQueue, RevisePayload, Room};

/// Finds a draft of the user that is still waiting for review.
async fn pending_draft(
    conn: &mut sqlx::SqliteConnection,
    user: &User,
    draft_message_id: &str,
) -> Result<Draft, AppError> {
    let draft = db::drafts::find_for_user(&mut *conn, user.id, draft_message_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no draft with id '{draft_message_id}'")))?;
    if draft.status != DraftStatus::Pending {
        return Err(AppError::Conflict(format!(
            "draft '{draft_message_id}' is {} and no longer waiting for review",
            draft.status.as_str()
        )));
    }
    Ok(draft)
}

/// The longest feedback one revision takes (several pieces given before the revision
/// starts are joined, up to this many characters).
pub const MAX_FEEDBACK: usize = 10_000;

/// Queues a revision of a pending draft from the reviewer's feedback, or adds the
/// feedback to the revision already queued for it; returns the job id.
pub async fn give_feedback(
    jobs: &JobQueue,
    user: &User,
    draft_message_id: &str,
    feedback: &str,
) -> Result<i64, AppError> {
    let mut tx = jobs.db().write.begin().await?;
    let draft = pending_draft(&mut tx, user, draft_message_id).await?;
    let now = db::now();
    let job_id = jobs
        .enqueue_revise(&mut tx, user.id, draft.thread_id, draft.id, feedback, &now)
        .await?;
    tx.commit().await?;
    jobs.wake();
    Ok(job_id)
}

/// Rejects a pending draft: it leaves the review queue.
pub async fn reject(db: &Db, user: &User, draft_message_id: &str) -> Result<Draft, AppError> {
    decide(db, user, draft_message_id, DraftStatus::Rejected, None).await
}

/// Approves a pending draft with its final text (the draft's own when not edited).
pub async fn approve(
    db: &Db,
    user: &User,
    draft_message_id: &str,
    final_content: Option<&str>,
) -> Result<Draft, AppError> {
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
) -> Result<Draft, AppError> {
    let mut tx = db.write.begin().await?;
    let mut draft = pending_draft(&mut tx, user, draft_message_id).await?;
    let final_content = match status {
        DraftStatus::Approved => Some(final_content.unwrap_or(&draft.content).to_owned()),
        _ => None,
    };
    let now = db::now();
    db::drafts::decide(&mut *tx, draft.id, status, final_content.as_deref(), &now).await?;
    tx.commit().await?;
    draft.status = status;
    draft.final_content = final_content;
    draft.decided_at = Some(now);
    Ok(draft)
}

/// Queues a failed job of the user again; returns the queued job's id.
pub async fn retry_job(jobs: &JobQueue, user: &User, job_id: i64) -> Result<i64, AppError> {
    let db = jobs.db();
    let job = db::jobs::find_for_user(&db.read, user.id, job_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no job with id {job_id}")))?;
    if job.state != JobState::Failed {
        return Err(AppError::Conflict(format!("job {job_id} has not failed")));
    }
    let now = db::now();
    let mut tx = db.write.begin().await?;
    let id = match job.kind {
        JobKind::Draft => {
            jobs.enqueue_draft(&mut tx, user.id, job.thread_id, &now, Room::Check)
                .await?
        }
        JobKind::Revise => {
            let payload: RevisePayload = serde_json::from_str(&job.payload).map_err(|e| {
                AppError::Conflict(format!(
                    "job {job_id} cannot be retried: its payload is unreadable ({e})"
                ))
            })?;
            jobs.enqueue_revise(
                &mut tx,
                user.id,
                job.thread_id,
                payload.draft_id,
                &payload.feedback,
                &now,
            )
            .await?
        }
    };
    tx.commit().await?;
    jobs.wake();
    Ok(id)
}
