//! Retrying a failed job from the pages: the same work queued again as a new job.

use super::{JobQueue, RevisePayload, Room};
use crate::db::jobs::{JobKind, JobState};
use crate::db::users::User;
use crate::db::{self, JobId, Timestamp};
use crate::jobs::EnqueueError;

/// Why a failed job was not queued again.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no job with id {0}")]
    NotFound(JobId),
    #[error("job {0} has not failed")]
    NotFailed(JobId),
    #[error("job {id} cannot be retried: its payload is unreadable ({reason})")]
    Unreadable { id: JobId, reason: String },
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
}

impl From<sqlx::Error> for RetryError {
    fn from(error: sqlx::Error) -> Self {
        Self::Enqueue(EnqueueError::Database(error))
    }
}

impl JobQueue {
    /// Queues a failed job of the user again; returns the queued job's id.
    pub async fn retry_failed(&self, user: &User, job_id: JobId) -> Result<JobId, RetryError> {
        let db = self.db();
        let job = db::jobs::find_for_user(db.read(), user.id, job_id)
            .await?
            .ok_or(RetryError::NotFound(job_id))?;
        if job.state != JobState::Failed {
            return Err(RetryError::NotFailed(job_id));
        }
        // Read before the writer is taken: nothing below waits on anything but the database.
        let revise = match job.kind {
            JobKind::Draft => None,
            JobKind::Revise => Some(serde_json::from_str::<RevisePayload>(&job.payload).map_err(
                |e| RetryError::Unreadable {
                    id: job_id,
                    reason: e.to_string(),
                },
            )?),
        };
        let now = Timestamp::now();
        let mut tx = db.begin().await?;
        let id = match revise {
            None => {
                self.enqueue_draft(&mut tx, user.id, job.thread_id, now, Room::Check)
                    .await?
            }
            Some(payload) => {
                self.enqueue_revise(
                    &mut tx,
                    user.id,
                    job.thread_id,
                    payload.draft_id,
                    &payload.pieces(),
                    now,
                )
                .await?
            }
        };
        tx.commit().await?;
        self.wake();
        Ok(id)
    }
}
