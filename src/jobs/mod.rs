//! The durable job queue: jobs are rows in the `jobs` table, run by workers inside
//! `draftdesk serve` (`JOB_CONCURRENCY` at a time).
//!
//! A job is claimed atomically with a lease that its worker keeps renewing; a job whose
//! worker died (crash, kill -9) is claimed again once the lease expires. Delivery is
//! at-least-once, and every effect of a job is written in one transaction with the job's
//! completion, so a job that runs twice never leaves two pending drafts. See
//! `documentation/jobs.md` for why this is hand-written rather than apalis.

mod draft;
mod enqueue;
mod queue;
mod retry;
mod revise;
mod runs;
mod store;

pub use enqueue::FeedbackPiece;
pub(crate) use enqueue::{DraftPayload, RevisePayload, Room};
pub use enqueue::{EnqueueError, QUEUE_FULL_RETRY_AFTER_SECS};
pub use queue::Workers;
pub use retry::RetryError;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::agent::{Agent, AgentError};
use crate::config::JobSettings;
use crate::db::Db;
use crate::db::jobs::Job;
use crate::db::style_notes::StyleNote;
use crate::db::{JobId, MessageId, RunId};
use crate::llm::LlmError;

/// Why a job did not finish.
#[derive(Debug)]
pub enum JobError {
    /// Worth another attempt later (not before `retry_after`, if given).
    Retry {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Trying again will not help.
    Fail(String),
}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "a job's database work failed");
        Self::Retry {
            message: "the database failed while the job ran".to_owned(),
            retry_after: None,
        }
    }
}

/// Whether a failed run is tried again: the one place that decides it for agent runs.
impl From<&AgentError> for JobError {
    fn from(error: &AgentError) -> Self {
        let message = error.to_string();
        match error {
            AgentError::Model(LlmError::Transient { retry_after, .. }) => Self::Retry {
                message,
                retry_after: *retry_after,
            },
            AgentError::Model(LlmError::Permanent(_)) | AgentError::TurnLimit(_) => {
                Self::Fail(message)
            }
            AgentError::Database(cause) => {
                // The job's error says only that the database failed; the cause is here.
                tracing::error!(error = %cause, "the agent's database work failed");
                Self::Retry {
                    message,
                    retry_after: None,
                }
            }
            // A slow model may answer in time on another attempt.
            AgentError::Timeout(_) => Self::Retry {
                message,
                retry_after: None,
            },
        }
    }
}

/// A claimed job with its freshly opened agent run.
pub(crate) struct Claimed {
    pub job: Job,
    pub run_id: RunId,
    /// The thread's newest message when the job was claimed: what the agent answers.
    pub snapshot: Option<MessageId>,
    /// The style notes in force when the job was claimed, recorded on the run: what the
    /// agent is given.
    pub notes: Vec<StyleNote>,
}

struct Inner {
    db: Db,
    agent: Agent,
    settings: JobSettings,
    wake: Notify,
    /// Jobs this process is running, to give back if it stops before they finish.
    running: Mutex<HashSet<JobId>>,
    /// When this process last looked for jobs whose worker died.
    abandoned_checked: Mutex<Option<Instant>>,
}

/// The queue and its workers; cheap to clone.
#[derive(Clone)]
pub struct JobQueue(Arc<Inner>);

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue").finish_non_exhaustive()
    }
}

impl JobQueue {
    pub fn new(db: Db, agent: Agent, settings: JobSettings) -> Self {
        Self(Arc::new(Inner {
            db,
            agent,
            settings,
            wake: Notify::new(),
            running: Mutex::new(HashSet::new()),
            abandoned_checked: Mutex::new(None),
        }))
    }

    pub fn agent(&self) -> &Agent {
        &self.0.agent
    }

    /// Tells an idle worker that a job was queued.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Claims and runs one due job; `false` when none is due.
    pub async fn run_once(&self) -> Result<bool, sqlx::Error> {
        match self.claim().await? {
            Some(claimed) => {
                self.execute(claimed).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs due jobs one after another until none is left; returns how many ran. Jobs
    /// waiting for a later retry time are left queued.
    pub async fn run_until_idle(&self) -> Result<usize, sqlx::Error> {
        let mut count = 0;
        while self.run_once().await? {
            count += 1;
        }
        Ok(count)
    }

    /// The database the queue lives in.
    pub fn db(&self) -> &Db {
        &self.0.db
    }
}

#[cfg(test)]
mod tests;
