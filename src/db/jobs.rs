//! The `jobs` table: durable background work.

use sqlx::{SqliteExecutor, SqlitePool};

/// How many times a job is tried before it is marked failed.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 5;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum JobKind {
    /// Decide whether the thread needs a reply and draft one.
    Draft,
    /// Revise a draft from the reviewer's feedback.
    Revise,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

/// A stored job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub user_id: i64,
    pub thread_id: i64,
    pub thread_name: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// Queues a draft job for the thread, or joins the one already queued (coalescing: a
/// thread has at most one queued draft job, and a running one is followed by at most one).
/// Returns the job's id and whether it was newly queued.
pub async fn enqueue_draft(
    conn: &mut sqlx::SqliteConnection,
    user_id: i64,
    thread_id: i64,
    now: &str,
) -> Result<(i64, bool), sqlx::Error> {
    let queued: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE thread_id = ? AND kind = 'draft' AND state = 'queued'",
    )
    .bind(thread_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = queued {
        sqlx::query("UPDATE jobs SET updated_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok((id, false));
    }
    let id = insert(&mut *conn, JobKind::Draft, user_id, thread_id, "{}", now).await?;
    Ok((id, true))
}

/// Queues a job.
pub async fn insert(
    conn: impl SqliteExecutor<'_>,
    kind: JobKind,
    user_id: i64,
    thread_id: i64,
    payload: &str,
    now: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO jobs (kind, user_id, thread_id, payload, max_attempts, run_at, created_at, \
                           updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(kind)
    .bind(user_id)
    .bind(thread_id)
    .bind(payload)
    .bind(DEFAULT_MAX_ATTEMPTS)
    .bind(now)
    .bind(now)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// A job of the given user; another user's job is not found.
pub async fn find_for_user(
    pool: &SqlitePool,
    user_id: i64,
    job_id: i64,
) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as(
        "SELECT j.id, j.kind, j.user_id, j.thread_id, t.name AS thread_name, j.payload, j.state, \
                j.attempts, j.max_attempts, j.run_at, j.last_error, j.created_at, j.updated_at, \
                j.finished_at \
         FROM jobs j JOIN threads t ON t.id = j.thread_id \
         WHERE j.id = ? AND j.user_id = ?",
    )
    .bind(job_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}
