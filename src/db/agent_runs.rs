//! The `agent_runs` table: one row per run of the agent, with its whole transcript.

use super::{Backend, Exec, on};

use super::{JobId, MessageId, NoteId, RunId, ThreadId, Timestamp};

/// Why a run happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    NewMessages,
    Feedback,
}

super::stored_as_text!(Trigger { NewMessages => "new_messages", Feedback => "feedback" });

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Drafted,
    NoReply,
    Stale,
    Failed,
}

super::stored_as_text!(Outcome { Drafted => "drafted", NoReply => "no_reply", Stale => "stale", Failed => "failed" });

/// A stored run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgentRun {
    pub id: RunId,
    pub thread_id: ThreadId,
    pub job_id: Option<JobId>,
    pub trigger: Trigger,
    pub model: String,
    pub offline: bool,
    pub transcript: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub snapshot_message: Option<MessageId>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub duration_ms: Option<i64>,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    pub error: Option<String>,
    /// A note for the reviewer: a message read like instructions to the assistant.
    pub warning: Option<String>,
    /// The style notes in force when the run started, a JSON array of their ids (see
    /// [`AgentRun::style_note_ids`]); `None` for a run from before they were recorded.
    pub style_note_ids: Option<String>,
}

impl AgentRun {
    /// The ids of the style notes the run was given; `None` when they were not recorded.
    pub fn style_note_ids(&self) -> Option<Vec<NoteId>> {
        self.style_note_ids
            .as_deref()
            .and_then(|ids| serde_json::from_str(ids).ok())
    }
}

/// Records that a run started, with the thread's newest message as its snapshot and the
/// style notes it is given; returns the run's id and the snapshot.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    exec: Exec<'_>,
    thread_id: ThreadId,
    job_id: JobId,
    trigger: Trigger,
    model: &str,
    offline: bool,
    style_notes: &[NoteId],
    now: Timestamp,
) -> Result<(RunId, Option<MessageId>), sqlx::Error> {
    let style_note_ids =
        serde_json::to_string(style_notes).map_err(|e| sqlx::Error::Encode(e.into()))?;
    on!(exec, |c| sqlx::query_as(
        "INSERT INTO agent_runs (thread_id, job_id, trigger, model, offline, snapshot_message, \
                                 style_note_ids, started_at) \
         VALUES ($1, $2, $3, $4, $5, (SELECT max(id) FROM messages WHERE thread_id = $1), $6, $7) \
         RETURNING id, snapshot_message",
    )
    .bind(thread_id)
    .bind(job_id)
    .bind(trigger)
    .bind(model)
    .bind(offline)
    .bind(&style_note_ids)
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Ends a run that is still open as failed with `error` (a job that stopped before its
/// agent finished, e.g. because its thread or draft was gone).
pub async fn fail_if_open(
    exec: Exec<'_>,
    run_id: RunId,
    error: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE agent_runs SET outcome = 'failed', error = $1, finished_at = $2 \
         WHERE id = $3 AND outcome IS NULL",
    )
    .bind(error)
    .bind(now)
    .bind(run_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// How a run ended, to be stored.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub outcome: Outcome,
    pub reason: Option<&'a str>,
    pub error: Option<&'a str>,
    pub transcript: &'a str,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub duration_ms: i64,
    /// A note for the reviewer about the thread's messages (see `agent::context`).
    pub warning: Option<&'a str>,
}

/// Records how a run ended.
pub async fn finish(
    exec: Exec<'_>,
    run_id: RunId,
    f: &Finish<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE agent_runs SET outcome = $1, reason = $2, error = $3, transcript = $4, \
                prompt_tokens = $5, completion_tokens = $6, duration_ms = $7, warning = $8, \
                finished_at = $9 \
         WHERE id = $10",
    )
    .bind(f.outcome)
    .bind(f.reason)
    .bind(f.error)
    .bind(f.transcript)
    .bind(f.prompt_tokens)
    .bind(f.completion_tokens)
    .bind(f.duration_ms)
    .bind(f.warning)
    .bind(now)
    .bind(run_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// The model a run used and its snapshot, without the transcript.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunModel {
    pub model: String,
    pub snapshot_message: Option<MessageId>,
}

/// The model and snapshot of a run.
pub async fn model_of(exec: Exec<'_>, run_id: RunId) -> Result<Option<RunModel>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT model, snapshot_message FROM agent_runs WHERE id = $1"
    )
    .bind(run_id)
    .fetch_optional(c)
    .await)
}

/// A thread's runs, oldest first.
pub async fn list_thread(
    exec: Exec<'_>,
    thread_id: ThreadId,
) -> Result<Vec<AgentRun>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, thread_id, job_id, trigger, model, offline, transcript, prompt_tokens, \
                completion_tokens, snapshot_message, started_at, finished_at, duration_ms, \
                outcome, reason, error, warning, style_note_ids \
         FROM agent_runs WHERE thread_id = $1 ORDER BY id",
    )
    .bind(thread_id)
    .fetch_all(c)
    .await)
}

/// Closes the runs of a job that never finished (the worker died or was stopped).
pub async fn abandon_unfinished(
    exec: Exec<'_>,
    job_id: JobId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE agent_runs SET outcome = 'failed', \
                error = 'interrupted: the server stopped before this run finished', \
                finished_at = $1 \
         WHERE job_id = $2 AND outcome IS NULL",
    )
    .bind(now)
    .bind(job_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// Of `run_ids`, the runs from before draftdesk recorded what a run was given and shown
/// (its style notes and its precedents came with the same version).
pub async fn unrecorded(exec: Exec<'_>, run_ids: &[RunId]) -> Result<Vec<RunId>, sqlx::Error> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(run_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT id FROM agent_runs \
             WHERE id IN (SELECT value FROM json_each($1)) AND style_note_ids IS NULL"
        }
        Backend::Postgres => {
            "SELECT id FROM agent_runs \
             WHERE id IN (SELECT json_array_elements_text($1::json)::bigint) \
               AND style_note_ids IS NULL"
        }
    };
    on!(exec, |c| sqlx::query_scalar(sql)
        .bind(&ids)
        .fetch_all(c)
        .await)
}
