//! What "How it is going" (`crate::stats`) counts: a user's drafts and "Draft anyway"
//! requests since an instant, as rows. They are bucketed by week in Rust, so that one SQL
//! text serves both backends (their date arithmetic differs; the stored text does not).

use super::{Exec, on};

use super::drafts::DraftStatus;
use super::{DraftId, Timestamp, UserId};

/// A draft made or decided in the range, with what the figures need of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DraftRow {
    pub id: DraftId,
    pub status: DraftStatus,
    /// The draft this one revises (it received feedback and this replaced it).
    pub revises_draft_id: Option<DraftId>,
    /// The draft's text and the text approved; only for approved drafts.
    pub content: Option<String>,
    pub final_content: Option<String>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The model of the run that wrote it (`None`: no run is recorded).
    pub model: Option<String>,
    /// When the message it answers arrived (`None`: no message is recorded).
    pub answered_received_at: Option<Timestamp>,
}

/// The user's drafts made or decided at or after `since`, oldest first.
pub async fn drafts_since(
    exec: Exec<'_>,
    user_id: UserId,
    since: Timestamp,
) -> Result<Vec<DraftRow>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT d.id, d.status, d.revises_draft_id, \
                CASE WHEN d.status = 'approved' THEN d.content END AS content, \
                CASE WHEN d.status = 'approved' THEN d.final_content END AS final_content, \
                d.created_at, d.decided_at, r.model, m.received_at AS answered_received_at \
         FROM drafts d \
         LEFT JOIN agent_runs r ON r.id = d.agent_run_id \
         LEFT JOIN messages m ON m.id = d.answers_message \
         WHERE d.user_id = $1 AND (d.created_at >= $2 OR d.decided_at >= $2) \
         ORDER BY d.id",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(c)
    .await)
}

/// A draft job queued at or after the range's start that may be a "Draft anyway", with
/// the model of the decision it overturned.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverturnRow {
    pub requested_at: Timestamp,
    /// The job's payload; `crate::stats` reads whether a reply was requested.
    pub payload: String,
    /// The model of the thread's last run before the request, which decided no reply.
    pub model: String,
}

/// The user's draft jobs queued at or after `since` whose thread's last finished run
/// before them decided that no reply was needed (a run of the job itself, or of a later
/// one, may start in the very millisecond the job was queued: it is not "before"), and whose payload holds a `true` (the
/// caller reads it: `reply_requested`), oldest first.
pub async fn overturns_since(
    exec: Exec<'_>,
    user_id: UserId,
    since: Timestamp,
) -> Result<Vec<OverturnRow>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT j.created_at AS requested_at, j.payload, r.model \
         FROM jobs j \
         JOIN agent_runs r ON r.id = ( \
             SELECT max(x.id) FROM agent_runs x \
             WHERE x.thread_id = j.thread_id AND x.started_at <= j.created_at \
               AND (x.job_id IS NULL OR x.job_id < j.id) \
               AND x.outcome IN ('drafted', 'no_reply')) \
         WHERE j.user_id = $1 AND j.kind = 'draft' AND j.created_at >= $2 \
           AND j.payload LIKE '%true%' AND r.outcome = 'no_reply' \
         ORDER BY j.id",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(c)
    .await)
}
