//! Full-text search over the user's past conversations: FTS5 ranked by bm25 on SQLite,
//! `tsvector` with a GIN index ranked by `ts_rank` on PostgreSQL.

use super::{Backend, Exec, on};

use super::{DraftId, MessageId, ThreadId, Timestamp, UserId};

/// How far back a look-up sees: the user's data as it was at some moment, for a run
/// that re-drafts an old thread (`draftdesk replay`). A live run sees everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    /// The newest message that existed then (message ids are the arrival order).
    pub newest_message: MessageId,
    /// Replies approved before this instant.
    pub approved_before: Timestamp,
}

/// A reply the user approved before.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovedExample {
    pub draft_id: DraftId,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub text: String,
}

/// A message from someone else and what the user answered next, if they did.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PastExchange {
    pub message_id: MessageId,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub sender_name: String,
    pub message: String,
    pub reply: Option<String>,
}

/// Turns free text into an FTS5 query that cannot be a syntax error: each word quoted,
/// any of them may match. `None` when there is no word to search for.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

/// Approved replies of the user in threads other than `exclude_thread`, best match first,
/// leaving out those excluded for good or for `exclude_thread`.
pub async fn approved(
    exec: Exec<'_>,
    user_id: UserId,
    exclude_thread: ThreadId,
    query: &str,
    limit: i64,
    as_of: Option<AsOf>,
) -> Result<Vec<ApprovedExample>, sqlx::Error> {
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT d.id AS draft_id, t.id AS thread_id, t.name AS thread_name, \
                    coalesce(d.final_content, d.content) AS text \
             FROM approved_fts f \
             JOIN drafts d ON d.id = f.rowid \
             JOIN threads t ON t.id = d.thread_id \
             WHERE approved_fts MATCH $1 AND d.user_id = $2 AND d.thread_id <> $3 \
               AND ($5 IS NULL OR d.decided_at < $5) \
               AND d.id NOT IN (SELECT x.draft_id FROM excluded_precedents x \
                                WHERE x.draft_id IS NOT NULL AND x.user_id = $2 \
                                  AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
               AND d.thread_id NOT IN (SELECT x.thread_id FROM excluded_precedents x \
                                       WHERE x.thread_id IS NOT NULL AND x.user_id = $2 \
                                         AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
             ORDER BY bm25(approved_fts) LIMIT $4"
        }
        // `approved_fts` is set only while a draft is approved; ts_rank is higher for a
        // better match (bm25 is lower).
        Backend::Postgres => {
            "SELECT d.id AS draft_id, t.id AS thread_id, t.name AS thread_name, \
                    coalesce(d.final_content, d.content) AS text \
             FROM drafts d \
             JOIN threads t ON t.id = d.thread_id \
             WHERE d.approved_fts @@ websearch_to_tsquery('draftdesk', $1) \
               AND d.user_id = $2 AND d.thread_id <> $3 \
               AND ($5::text IS NULL OR d.decided_at < $5) \
               AND d.id NOT IN (SELECT x.draft_id FROM excluded_precedents x \
                                WHERE x.draft_id IS NOT NULL AND x.user_id = $2 \
                                  AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
               AND d.thread_id NOT IN (SELECT x.thread_id FROM excluded_precedents x \
                                       WHERE x.thread_id IS NOT NULL AND x.user_id = $2 \
                                         AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
             ORDER BY ts_rank(d.approved_fts, websearch_to_tsquery('draftdesk', $1)) DESC, \
                      d.id DESC \
             LIMIT $4"
        }
    };
    on!(exec, |c| sqlx::query_as(sql)
        .bind(query)
        .bind(user_id)
        .bind(exclude_thread)
        .bind(limit)
        .bind(as_of.map(|a| a.approved_before))
        .fetch_all(c)
        .await)
}

/// Messages from others in the user's other threads that match, each with the user's
/// next message in that thread, best match first (exchanges with a reply first).
pub async fn exchanges(
    exec: Exec<'_>,
    user_id: UserId,
    exclude_thread: ThreadId,
    query: &str,
    limit: i64,
    as_of: Option<AsOf>,
) -> Result<Vec<PastExchange>, sqlx::Error> {
    // On PostgreSQL the rank is ts_rank negated, so that lower is better on both.
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT message_id, thread_id, thread_name, sender_name, message, reply FROM ( \
               SELECT m.id AS message_id, t.id AS thread_id, t.name AS thread_name, m.sender_name, m.content AS message, \
                      (SELECT r.content FROM messages r \
                       WHERE r.thread_id = m.thread_id AND r.is_mine = TRUE \
                         AND (r.sort_key, r.id) > (m.sort_key, m.id) \
                         AND ($5 IS NULL OR r.id <= $5) \
                       ORDER BY r.sort_key, r.id LIMIT 1) AS reply, \
                      bm25(messages_fts) AS rank \
               FROM messages_fts \
               JOIN messages m ON m.id = messages_fts.rowid \
               JOIN threads t ON t.id = m.thread_id \
               WHERE messages_fts MATCH $1 AND m.user_id = $2 AND m.thread_id <> $3 AND m.is_mine = FALSE \
                 AND ($5 IS NULL OR m.id <= $5) \
                 AND m.id NOT IN (SELECT x.message_id FROM excluded_precedents x \
                                  WHERE x.message_id IS NOT NULL AND x.user_id = $2 \
                                    AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
                 AND m.thread_id NOT IN (SELECT x.thread_id FROM excluded_precedents x \
                                         WHERE x.thread_id IS NOT NULL AND x.user_id = $2 \
                                           AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
               ORDER BY rank LIMIT 50) AS found \
             ORDER BY reply IS NULL, rank LIMIT $4"
        }
        Backend::Postgres => {
            "SELECT message_id, thread_id, thread_name, sender_name, message, reply FROM ( \
               SELECT m.id AS message_id, t.id AS thread_id, t.name AS thread_name, m.sender_name, m.content AS message, \
                      (SELECT r.content FROM messages r \
                       WHERE r.thread_id = m.thread_id AND r.is_mine = TRUE \
                         AND (r.sort_key, r.id) > (m.sort_key, m.id) \
                         AND ($5::bigint IS NULL OR r.id <= $5) \
                       ORDER BY r.sort_key, r.id LIMIT 1) AS reply, \
                      -ts_rank(m.fts, websearch_to_tsquery('draftdesk', $1)) AS rank \
               FROM messages m \
               JOIN threads t ON t.id = m.thread_id \
               WHERE m.fts @@ websearch_to_tsquery('draftdesk', $1) AND m.user_id = $2 AND m.thread_id <> $3 AND m.is_mine = FALSE \
                 AND ($5::bigint IS NULL OR m.id <= $5) \
                 AND m.id NOT IN (SELECT x.message_id FROM excluded_precedents x \
                                  WHERE x.message_id IS NOT NULL AND x.user_id = $2 \
                                    AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
                 AND m.thread_id NOT IN (SELECT x.thread_id FROM excluded_precedents x \
                                         WHERE x.thread_id IS NOT NULL AND x.user_id = $2 \
                                           AND (x.for_thread_id IS NULL OR x.for_thread_id = $3)) \
               ORDER BY rank LIMIT 50) AS found \
             ORDER BY reply IS NULL, rank LIMIT $4"
        }
    };
    on!(exec, |c| sqlx::query_as(sql)
        .bind(query)
        .bind(user_id)
        .bind(exclude_thread)
        .bind(limit)
        .bind(as_of.map(|a| a.newest_message))
        .fetch_all(c)
        .await)
}

/// The user's most recently approved replies anywhere (approved before `as_of`, if
/// given), newest first, leaving out those excluded for good or for the runs of
/// `for_thread`.
pub async fn recent_approved(
    exec: Exec<'_>,
    user_id: UserId,
    for_thread: ThreadId,
    limit: i64,
    as_of: Option<AsOf>,
) -> Result<Vec<ApprovedExample>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT d.id AS draft_id, t.id AS thread_id, t.name AS thread_name, \
                coalesce(d.final_content, d.content) AS text \
         FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE d.user_id = $1 AND d.status = 'approved' \
           AND (CAST($4 AS TEXT) IS NULL OR d.decided_at < $4) \
           AND d.id NOT IN (SELECT x.draft_id FROM excluded_precedents x \
                            WHERE x.draft_id IS NOT NULL AND x.user_id = $1 \
                              AND (x.for_thread_id IS NULL OR x.for_thread_id = $2)) \
           AND d.thread_id NOT IN (SELECT x.thread_id FROM excluded_precedents x \
                                   WHERE x.thread_id IS NOT NULL AND x.user_id = $1 \
                                     AND (x.for_thread_id IS NULL OR x.for_thread_id = $2)) \
         ORDER BY d.decided_at DESC, d.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(for_thread)
    .bind(limit)
    .bind(as_of.map(|a| a.approved_before))
    .fetch_all(c)
    .await)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn user_text_becomes_a_safe_fts_query() {
        assert_eq!(
            fts_query("invoice due?").as_deref(),
            Some("\"invoice\" OR \"due\"")
        );
        assert_eq!(
            fts_query("\" AND - NOT (").as_deref(),
            Some("\"AND\" OR \"NOT\"")
        );
        assert_eq!(fts_query("  ?! "), None);
    }
}
