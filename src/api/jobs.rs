//! `GET /jobs/{id}`: where a background job is.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use crate::db::jobs::{JobKind, JobState};
use crate::db::{self, Db, JobId, ThreadId, Timestamp};
use crate::error::{AppError, ErrorBody};

/// How a finished job ended; absent while it is queued or running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// A draft is waiting for review (`draft_message_id` names it).
    Drafted,
    /// The agent decided the thread needs no reply.
    NoReply,
    /// Newer messages arrived while it ran; the draft was set aside and a newer job
    /// drafts the thread.
    Stale,
    /// A newer job for the same thread took this one's work over before it finished.
    Merged,
    /// Every attempt failed; `last_error` says why.
    Failed,
}

impl JobOutcome {
    /// From the job's state and its newest agent run's outcome.
    fn of(state: JobState, run_outcome: Option<&str>) -> Option<Self> {
        match state {
            JobState::Queued | JobState::Running => None,
            JobState::Failed => Some(Self::Failed),
            JobState::Done => Some(match run_outcome {
                Some("drafted") => Self::Drafted,
                Some("no_reply") => Self::NoReply,
                Some("stale") => Self::Stale,
                _ => Self::Merged,
            }),
        }
    }
}

/// A background job: a draft for a thread, or a revision of a draft.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Job)]
pub struct JobView {
    #[schema(value_type = i64)]
    id: JobId,
    kind: JobKind,
    state: JobState,
    outcome: Option<JobOutcome>,
    /// The draft the job wrote, when its outcome is `drafted`.
    draft_message_id: Option<String>,
    #[schema(value_type = i64)]
    thread_id: ThreadId,
    thread_name: String,
    attempts: i64,
    max_attempts: i64,
    #[schema(value_type = String)]
    run_at: Timestamp,
    last_error: Option<String>,
    #[schema(value_type = String)]
    created_at: Timestamp,
    #[schema(value_type = String)]
    updated_at: Timestamp,
    #[schema(value_type = Option<String>)]
    finished_at: Option<Timestamp>,
}

/// `GET /jobs/{id}`: where a job is, and what it came to.
#[utoipa::path(
    get,
    path = "/jobs/{id}",
    operation_id = "get_job",
    tag = "jobs",
    params(("id" = i64, Path, description = "The `job_id` from send-messages or process-feedback")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 404, description = "No such job for this account", body = ErrorBody),
    ),
)]
pub async fn show(
    State(db): State<Db>,
    caller: ApiUser,
    Path(params): Path<Vec<(String, String)>>,
) -> Result<Json<JobView>, AppError> {
    let raw = params
        .iter()
        .find(|(name, _)| name == "id")
        .map(|(_, value)| value.as_str())
        .unwrap_or("");
    let not_found = || AppError::NotFound(format!("no job with id '{raw}'"));
    let id: JobId = raw.parse().map_err(|_| not_found())?;
    let job = db::jobs::find_for_user(db.read(), caller.user().id, id)
        .await?
        .ok_or_else(not_found)?;
    let (run_outcome, draft_message_id) = db::jobs::last_run_result(db.read(), job.id).await?;
    let outcome = JobOutcome::of(job.state, run_outcome.as_deref());
    Ok(Json(JobView {
        id: job.id,
        kind: job.kind,
        state: job.state,
        outcome,
        draft_message_id: draft_message_id.filter(|_| outcome == Some(JobOutcome::Drafted)),
        thread_id: job.thread_id,
        thread_name: job.thread_name,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        run_at: job.run_at,
        last_error: job.last_error,
        created_at: job.created_at,
        updated_at: job.updated_at,
        finished_at: job.finished_at,
    }))
}
