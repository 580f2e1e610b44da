//! The `threads` table.

use super::{Exec, on};

use super::{ThreadId, Timestamp, UserId};

/// A conversation of one user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Thread {
    pub id: ThreadId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Creates the thread if it does not exist yet and marks it updated; returns its id.
pub async fn upsert(
    exec: Exec<'_>,
    user_id: UserId,
    name: &str,
    now: Timestamp,
) -> Result<ThreadId, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "INSERT INTO threads (user_id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (user_id, name) DO UPDATE SET updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(now)
    .fetch_one(c)
    .await)
}

/// A thread of the given user, by id.
pub async fn find(
    exec: Exec<'_>,
    user_id: UserId,
    thread_id: ThreadId,
) -> Result<Option<Thread>, sqlx::Error> {
    on!(exec, |c| {
        sqlx::query_as(
        "SELECT id, user_id, name, created_at, updated_at FROM threads WHERE id = $1 AND user_id = $2",
    )
    .bind(thread_id)
    .bind(user_id)
    .fetch_optional(c)
    .await
    })
}

/// A thread of the given user, by name.
pub async fn find_by_name(
    exec: Exec<'_>,
    user_id: UserId,
    name: &str,
) -> Result<Option<Thread>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, user_id, name, created_at, updated_at FROM threads \
         WHERE user_id = $1 AND name = $2",
    )
    .bind(user_id)
    .bind(name)
    .fetch_optional(c)
    .await)
}

/// A thread as a choice in a list: its id and name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadChoice {
    pub id: ThreadId,
    pub name: String,
}

/// The user's threads by name, at most `limit` of them (the most recently updated).
pub async fn choices(
    exec: Exec<'_>,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<ThreadChoice>, sqlx::Error> {
    let mut threads: Vec<ThreadChoice> = on!(exec, |c| sqlx::query_as(
        "SELECT id, name FROM threads WHERE user_id = $1 ORDER BY updated_at DESC, id DESC \
         LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    threads.sort_by_key(|t| t.name.to_lowercase());
    Ok(threads)
}
