//! What the dashboard shows besides drafts: work in progress, failures, and a version
//! that changes whenever any of it (or a draft) does.

use super::{Backend, Db, Exec, on};

use super::{JobId, RunId, ThreadId, Timestamp, UserId};

/// A queued or running job, or a failed one, as the dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkItem {
    pub job_id: JobId,
    pub kind: super::jobs::JobKind,
    pub state: super::jobs::JobState,
    pub attempts: i64,
    pub thread_id: ThreadId,
    pub thread_name: String,
    /// When it was queued (or claimed, for a running job).
    pub since: Timestamp,
    pub last_error: Option<String>,
}

/// The user's queued and running jobs, oldest first.
pub async fn in_progress(exec: Exec<'_>, user_id: UserId) -> Result<Vec<WorkItem>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT j.id AS job_id, j.kind, j.state, j.attempts, t.id AS thread_id, \
                t.name AS thread_name, \
                CASE j.state WHEN 'running' THEN j.updated_at ELSE j.created_at END AS since, \
                j.last_error \
         FROM jobs j JOIN threads t ON t.id = j.thread_id \
         WHERE j.user_id = $1 AND j.state IN ('queued', 'running') ORDER BY j.id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Failed jobs that are the latest word on their thread (not yet retried or overtaken).
pub async fn failures(exec: Exec<'_>, user_id: UserId) -> Result<Vec<WorkItem>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT j.id AS job_id, j.kind, j.state, j.attempts, t.id AS thread_id, \
                t.name AS thread_name, coalesce(j.finished_at, j.updated_at) AS since, \
                j.last_error \
         FROM jobs j JOIN threads t ON t.id = j.thread_id \
         WHERE j.user_id = $1 AND j.state = 'failed' \
           AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.thread_id = j.thread_id AND k.id > j.id) \
         ORDER BY j.id DESC LIMIT 20",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// A thread whose latest run decided that no reply is needed, as the dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoReplyItem {
    pub run_id: RunId,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub reason: Option<String>,
    /// The run's model (for its "Based on" panel).
    pub model: String,
    pub offline: bool,
    pub decided_at: Timestamp,
    /// The thread's last message, which the decision was about.
    pub last_sender: Option<String>,
    pub last_content: Option<String>,
}

/// Threads whose latest run ended "no reply needed" and that nothing has moved on since:
/// no pending draft, no queued or running job, not dismissed. Newest first.
pub async fn no_replies(exec: Exec<'_>, user_id: UserId) -> Result<Vec<NoReplyItem>, sqlx::Error> {
    on!(exec, |c| {
        sqlx::query_as(
        "SELECT r.id AS run_id, t.id AS thread_id, t.name AS thread_name, r.reason, r.model, \
                r.offline, coalesce(r.finished_at, r.started_at) AS decided_at, \
                m.sender_name AS last_sender, m.content AS last_content \
         FROM threads t \
         JOIN agent_runs r ON r.id = (SELECT max(id) FROM agent_runs WHERE thread_id = t.id) \
         LEFT JOIN messages m ON m.id = ( \
             SELECT id FROM messages WHERE thread_id = t.id AND id <= coalesce(r.snapshot_message, id) \
             ORDER BY sort_key DESC, id DESC LIMIT 1) \
         WHERE t.user_id = $1 AND r.outcome = 'no_reply' AND r.dismissed_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.thread_id = t.id AND d.status = 'pending') \
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.thread_id = t.id \
                                                  AND j.state IN ('queued', 'running')) \
         ORDER BY r.id DESC LIMIT 20",
    )
    .bind(user_id)
    .fetch_all(c)
    .await
    })
}

/// Dismisses a "no reply needed" decision of the user; returns whether there was one.
pub async fn dismiss_no_reply(
    exec: Exec<'_>,
    user_id: UserId,
    run_id: RunId,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE agent_runs SET dismissed_at = $1 \
         WHERE id = $2 AND outcome = 'no_reply' AND dismissed_at IS NULL \
           AND thread_id IN (SELECT id FROM threads WHERE user_id = $3)",
    )
    .bind(now)
    .bind(run_id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Changes whenever the user's jobs, drafts or messages change. A job's move from one
/// state to another, or a new job, changes the counts even when the newest `updated_at`
/// stays (a job claimed and finished within a millisecond, or a commit that lands after a
/// later one's).
pub async fn version(exec: Exec<'_>, user_id: UserId) -> Result<String, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT (SELECT coalesce(max(updated_at), '') || '|' || count(*) || '|' || \
                        count(*) FILTER (WHERE state = 'queued') || '|' || \
                        count(*) FILTER (WHERE state = 'running') || '|' || \
                        count(*) FILTER (WHERE state = 'failed') \
                 FROM jobs WHERE user_id = $1) || '|' || \
                (SELECT count(*) FROM drafts WHERE user_id = $1 AND status = 'pending') || '|' || \
                (SELECT coalesce(max(id), 0) FROM drafts WHERE user_id = $1) || '|' || \
                (SELECT coalesce(max(decided_at), '') FROM drafts WHERE user_id = $1) || '|' || \
                (SELECT coalesce(max(id), 0) FROM messages WHERE user_id = $1) || '|' || \
                (SELECT coalesce(max(r.dismissed_at), '') FROM agent_runs r \
                 JOIN threads t ON t.id = r.thread_id WHERE t.user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(c)
    .await)
}

/// A pending draft with what it answers, for the review queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewItem {
    pub draft_message_id: String,
    pub content: String,
    pub feedback: Option<String>,
    pub created_at: Timestamp,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub answers_sender: Option<String>,
    pub answers_content: Option<String>,
    /// The run that wrote the draft, its model and reason (its "Based on" panel).
    pub run_id: Option<RunId>,
    pub model: Option<String>,
    pub reason: Option<String>,
    pub offline: Option<bool>,
    /// Why the reviewer should read this draft with care (a message in the thread reads
    /// like instructions to the assistant).
    pub warning: Option<String>,
    /// The other side's messages since the user last wrote (the newest few), oldest first.
    #[sqlx(skip)]
    pub since_last_reply: Vec<QuotedMessage>,
    /// How many of the other side's messages since the user last wrote are not quoted.
    #[sqlx(skip)]
    pub earlier_unquoted: i64,
}

/// A message quoted on a review card.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuotedMessage {
    pub thread_id: ThreadId,
    pub sender_name: String,
    pub content: String,
    pub when: String,
    /// How many messages of the other side there are since the user's last one.
    pub unanswered: i64,
}

/// How many of the other side's messages since the user's last reply a card quotes.
const QUOTED_PER_CARD: i64 = 3;

/// For each thread, the other side's newest messages since the user's own last message
/// (at most [`QUOTED_PER_CARD`]), oldest first, in one query.
async fn since_last_reply(
    exec: Exec<'_>,
    thread_ids: &[ThreadId],
) -> Result<Vec<QuotedMessage>, sqlx::Error> {
    let ids = serde_json::to_string(thread_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let in_ids = match exec.backend() {
        Backend::Sqlite => "SELECT value FROM json_each($1)",
        Backend::Postgres => "SELECT json_array_elements_text($1::json)::bigint",
    };
    let sql = format!(
        "SELECT thread_id, sender_name, content, \
                trim(raw_date || ' ' || raw_time) AS \"when\", unanswered FROM ( \
           SELECT m.thread_id, m.sender_name, m.content, m.raw_date, m.raw_time, m.sort_key, m.id, \
                  row_number() OVER (PARTITION BY m.thread_id ORDER BY m.sort_key DESC, m.id DESC) \
                    AS newest, \
                  count(*) OVER (PARTITION BY m.thread_id) AS unanswered \
           FROM messages m \
           WHERE m.thread_id IN ({ids}) AND m.is_mine = FALSE \
             AND NOT EXISTS (SELECT 1 FROM messages x \
                             WHERE x.thread_id = m.thread_id AND x.is_mine = TRUE \
                               AND (x.sort_key, x.id) > (m.sort_key, m.id))) AS unanswered_messages \
         WHERE newest <= $2 \
         ORDER BY thread_id, sort_key, id",
        ids = in_ids
    );
    on!(exec, |c| sqlx::query_as(&sql)
        .bind(ids)
        .bind(QUOTED_PER_CARD)
        .fetch_all(c)
        .await)
}

/// A page of the user's pending drafts, newest first, and whether there are more.
pub async fn review_queue(
    db: &Db,
    user_id: UserId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ReviewItem>, i64), sqlx::Error> {
    let mut items: Vec<ReviewItem> = on!(db.read(), |c| sqlx::query_as(
        "SELECT d.draft_message_id, d.content, d.feedback, d.created_at, t.id AS thread_id, \
                t.name AS thread_name, a.sender_name AS answers_sender, \
                a.content AS answers_content, r.id AS run_id, r.model, r.reason, r.offline, \
                r.warning \
         FROM drafts d \
         JOIN threads t ON t.id = d.thread_id \
         LEFT JOIN agent_runs r ON r.id = d.agent_run_id \
         LEFT JOIN messages a ON a.id = ( \
             SELECT m.id FROM messages m \
             WHERE m.thread_id = d.thread_id AND m.is_mine = FALSE \
               AND m.id <= coalesce(d.answers_message, m.id) \
             ORDER BY m.sort_key DESC, m.id DESC LIMIT 1) \
         WHERE d.user_id = $1 AND d.status = 'pending' \
         ORDER BY d.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await)?;
    let thread_ids: Vec<ThreadId> = items.iter().map(|i| i.thread_id).collect();
    for quoted in since_last_reply(db.read(), &thread_ids).await? {
        if let Some(item) = items.iter_mut().find(|i| i.thread_id == quoted.thread_id) {
            item.earlier_unquoted = (quoted.unanswered - QUOTED_PER_CARD).max(0);
            item.since_last_reply.push(quoted);
        }
    }
    let total = on!(db.read(), |c| sqlx::query_scalar(
        "SELECT count(*) FROM drafts WHERE user_id = $1 AND status = 'pending'"
    )
    .bind(user_id)
    .fetch_one(c)
    .await)?;
    Ok((items, total))
}

impl WorkItem {
    pub fn is_running(&self) -> bool {
        self.state == super::jobs::JobState::Running
    }

    /// What the job is doing, for "Writing a draft for Anna…".
    pub fn doing(&self) -> &'static str {
        match (self.kind, self.is_running()) {
            (super::jobs::JobKind::Draft, true) => "Writing a draft for",
            (super::jobs::JobKind::Draft, false) => "Waiting to draft for",
            (super::jobs::JobKind::Revise, true) => "Revising the draft for",
            (super::jobs::JobKind::Revise, false) => "Waiting to revise the draft for",
        }
    }
}
