//! `GET /jobs/{id}`: where a background job is.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::auth::ApiUser;
use crate::db::jobs::{JobKind, JobState};
use crate::db::{self, Db};
use crate::error::AppError;

#[derive(Debug, Serialize)]
pub struct JobView {
    id: i64,
    kind: JobKind,
    state: JobState,
    thread_id: i64,
    thread_name: String,
    attempts: i64,
    max_attempts: i64,
    run_at: String,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
    finished_at: Option<String>,
}

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
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let job = db::jobs::find_for_user(&db.read, caller.0.id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(JobView {
        id: job.id,
        kind: job.kind,
        state: job.state,
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
