//! The `messages` table.

use std::collections::HashSet;

use super::{Backend, Exec, Tx, on};

use super::{MessageId, ThreadId, Timestamp, UserId};

/// A stored message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub message_id: String,
    pub sender_name: String,
    pub raw_date: String,
    pub raw_time: String,
    pub sent_at: Option<String>,
    pub content: String,
    pub is_mine: bool,
    pub received_at: Timestamp,
}

/// A message about to be stored.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub user_id: UserId,
    pub thread_id: ThreadId,
    pub message_id: &'a str,
    pub sender_name: &'a str,
    pub raw_date: &'a str,
    pub raw_time: &'a str,
    pub sent_at: Option<&'a str>,
    pub sort_key: &'a str,
    pub content: &'a str,
    pub is_mine: bool,
    pub received_at: Timestamp,
}

/// What a thread already has of a batch: the thread's id if it exists, and which of the
/// batch's message ids are stored in it (or were, and the user removed them). A message's identity is `(thread, message_id)`:
/// the same id in another thread of the user is a different message.
#[derive(Debug, Default)]
pub struct Known {
    pub message_ids: HashSet<String>,
    pub thread_id: Option<ThreadId>,
}

/// Which of `message_ids` the user's thread `thread_name` already has, in one query (the
/// resend fast path).
pub async fn known(
    exec: Exec<'_>,
    user_id: UserId,
    thread_name: &str,
    message_ids: &[&str],
) -> Result<Known, sqlx::Error> {
    // One JSON parameter instead of a placeholder per id keeps a single cached statement
    // for any number of ids.
    let ids = serde_json::to_string(message_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT t.id, m.message_id \
             FROM threads t \
             LEFT JOIN messages m ON m.thread_id = t.id \
                                 AND m.message_id IN (SELECT value FROM json_each($1)) \
             WHERE t.user_id = $2 AND t.name = $3 \
             UNION ALL \
             SELECT t.id, r.message_id \
             FROM threads t \
             JOIN removed_messages r ON r.thread_id = t.id \
                                    AND r.message_id IN (SELECT value FROM json_each($1)) \
             WHERE t.user_id = $2 AND t.name = $3"
        }
        Backend::Postgres => {
            "SELECT t.id, m.message_id \
             FROM threads t \
             LEFT JOIN messages m ON m.thread_id = t.id \
                                 AND m.message_id IN \
                                     (SELECT json_array_elements_text($1::json)) \
             WHERE t.user_id = $2 AND t.name = $3 \
             UNION ALL \
             SELECT t.id, r.message_id \
             FROM threads t \
             JOIN removed_messages r ON r.thread_id = t.id \
                                    AND r.message_id IN \
                                        (SELECT json_array_elements_text($1::json)) \
             WHERE t.user_id = $2 AND t.name = $3"
        }
    };
    let rows: Vec<(ThreadId, Option<String>)> = on!(exec, |c| sqlx::query_as(sql)
        .bind(ids)
        .bind(user_id)
        .bind(thread_name)
        .fetch_all(c)
        .await)?;
    let mut known = Known::default();
    for (thread_id, message_id) in rows {
        known.thread_id = Some(thread_id);
        known.message_ids.extend(message_id);
    }
    Ok(known)
}

/// Stores a message unless its thread already has one with its id, or had one that the
/// user removed; returns whether it
/// was new.
pub async fn insert(exec: Exec<'_>, m: &NewMessage<'_>) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| {
        sqlx::query(
        "INSERT INTO messages (user_id, thread_id, message_id, sender_name, raw_date, raw_time, \
                               sent_at, sort_key, content, is_mine, received_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
         WHERE NOT EXISTS (SELECT 1 FROM removed_messages r \
                           WHERE r.thread_id = $2 AND r.message_id = $3) \
         ON CONFLICT (thread_id, message_id) DO NOTHING",
    )
    .bind(m.user_id)
    .bind(m.thread_id)
    .bind(m.message_id)
    .bind(m.sender_name)
    .bind(m.raw_date)
    .bind(m.raw_time)
    .bind(m.sent_at)
    .bind(m.sort_key)
    .bind(m.content)
    .bind(m.is_mine)
    .bind(m.received_at)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(result == 1)
}

/// The ordering key of the thread's last message, if it has any.
pub async fn last_sort_key(
    exec: Exec<'_>,
    thread_id: ThreadId,
) -> Result<Option<String>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT max(sort_key) FROM messages WHERE thread_id = $1"
    )
    .bind(thread_id)
    .fetch_one(c)
    .await)
}

/// A thread's messages in conversation order: by time, then by arrival.
pub async fn list_thread(exec: Exec<'_>, thread_id: ThreadId) -> Result<Vec<Message>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, thread_id, message_id, sender_name, raw_date, raw_time, sent_at, content, \
                is_mine, received_at \
         FROM messages WHERE thread_id = $1 ORDER BY sort_key, id",
    )
    .bind(thread_id)
    .fetch_all(c)
    .await)
}

/// The id of the thread's newest stored message (the agent's snapshot).
pub async fn newest_id(
    exec: Exec<'_>,
    thread_id: ThreadId,
) -> Result<Option<MessageId>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT max(id) FROM messages WHERE thread_id = $1"
    )
    .bind(thread_id)
    .fetch_one(c)
    .await)
}

/// Removes a stored message from a thread, and keeps its identity there, so that a
/// client resending the whole thread (or the same paste) does not bring it back; false
/// if the user has no such message. Two statements: one transaction.
pub async fn remove(
    tx: &mut Tx,
    user_id: UserId,
    thread_id: ThreadId,
    id: MessageId,
) -> Result<bool, sqlx::Error> {
    on!(tx.exec(), |c| sqlx::query(
        "INSERT INTO removed_messages (thread_id, message_id) \
         SELECT thread_id, message_id FROM messages \
         WHERE id = $1 AND thread_id = $2 AND user_id = $3 \
         ON CONFLICT (thread_id, message_id) DO NOTHING"
    )
    .bind(id)
    .bind(thread_id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    let result = on!(tx.exec(), |c| sqlx::query(
        "DELETE FROM messages WHERE id = $1 AND thread_id = $2 AND user_id = $3"
    )
    .bind(id)
    .bind(thread_id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}
