//! `draftdesk replay`: re-drafts the user's most recently approved threads with another
//! model (and, if given, other drafting instructions), and sets each replay beside the
//! live model's draft and the reply that was approved, so the user can decide whether
//! to switch.
//!
//! Nothing is written. The database is opened read-only (`Db::open_read_only`), the
//! agent runs without a job (no run record, no draft, no job row) and never revises or
//! distills feedback (no style note). Each replay sees the thread as the live draft
//! did: the messages up to the one the approved draft answered, and, through the
//! agent's look-ups, only the user's messages and approved replies from before that
//! draft (`AsOf`), so the approved reply itself is never shown to the model.

pub mod report;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::agent::{Agent, AgentError, AsOf, Decision, Task};
use crate::db::messages::Message;
use crate::db::style_notes::StyleNote;
use crate::db::threads::Thread;
use crate::db::users::User;
use crate::db::{self, Db, DraftId};

/// One thread to replay: what the live model drafted and what was approved.
#[derive(Debug, Clone)]
pub struct Case {
    pub thread: Thread,
    /// The conversation up to the message the approved draft answered.
    pub messages: Vec<Message>,
    /// The live model's first draft for these messages: the start of the approved
    /// draft's revision chain (the approved draft itself when it was not revised).
    pub live_draft: String,
    /// The model that wrote the first draft, as its run recorded it (`None` if the
    /// draft has no run on record).
    pub live_model: Option<String>,
    /// How many revisions came between the first draft and the approved one.
    pub revisions: usize,
    /// The text that was approved: the reviewer's final text, or the draft as it was.
    pub approved: String,
    /// The reviewer changed the draft's text when approving it.
    pub edited: bool,
    /// Where the replay's look-ups stop; `None` when it is not known which messages
    /// the approved draft answered, and the thread is skipped.
    pub as_of: Option<AsOf>,
    /// The style notes in force for the thread now (notes keep no history of what was
    /// in force when the live draft was written).
    pub notes: Vec<StyleNote>,
}

/// How a thread's replay ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The replay proposed this draft: it agrees that a reply was needed.
    Drafted(String),
    /// The replay decided no reply was needed, for this reason.
    NoReply(String),
    /// The replay did not finish.
    Failed { kind: Failure, message: String },
    /// The thread could not be replayed, for this reason.
    Skipped(String),
}

impl Outcome {
    /// Whether the replay agreed with the reviewer's decision that a reply was needed.
    pub fn matches(&self) -> bool {
        matches!(self, Outcome::Drafted(_))
    }
}

/// Why a replay did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The model server failed, timed out (`LLM_TIMEOUT_SECS`) or answered nonsense.
    Model,
    /// The run went past `AGENT_RUN_TIMEOUT_SECS`.
    Timeout,
    /// The model used every `AGENT_MAX_ITERATIONS` turn without finishing.
    TurnLimit,
    /// Reading the database failed.
    Database,
    /// The replay's task stopped unexpectedly.
    Crashed,
}

impl Failure {
    pub fn label(self) -> &'static str {
        match self {
            Failure::Model => "model error",
            Failure::Timeout => "run timeout",
            Failure::TurnLimit => "turn limit",
            Failure::Database => "database error",
            Failure::Crashed => "crashed",
        }
    }
}

/// A thread and its replay.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub case: Case,
    pub outcome: Outcome,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

/// The user whose threads are replayed: the one named, or the only one there is. With
/// several users a name is required, so that one report never mixes several people's
/// conversations.
pub async fn choose_user(db: &Db, name: Option<&str>) -> anyhow::Result<User> {
    if let Some(name) = name {
        return db::users::find_by_name(db.read(), name.trim())
            .await?
            .with_context(|| format!("--user: there is no user named '{name}'"));
    }
    let names = db::users::names(db.read(), 11).await?;
    match names.as_slice() {
        [] => bail!("the database has no users yet, so there is nothing to replay"),
        [only] => db::users::find_by_name(db.read(), only)
            .await?
            .with_context(|| format!("the user '{only}' disappeared while replay started")),
        several => {
            let shown = several
                .iter()
                .take(10)
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let more = if several.len() > 10 { ", …" } else { "" };
            bail!("the database has several users ({shown}{more}): choose one with --user NAME")
        }
    }
}

/// The user's `last` most recently approved threads, newest first, each as its latest
/// approved draft left it.
pub async fn select(db: &Db, user: &User, last: u32) -> Result<Vec<Case>, sqlx::Error> {
    let approved =
        db::drafts::latest_approved_per_thread(db.read(), user.id, i64::from(last)).await?;
    let mut cases = Vec::with_capacity(approved.len());
    for draft in approved {
        if let Some(case) = load_case(db, user, draft).await? {
            cases.push(case);
        }
    }
    Ok(cases)
}

async fn load_case(
    db: &Db,
    user: &User,
    approved: db::drafts::Draft,
) -> Result<Option<Case>, sqlx::Error> {
    // The schema deletes a thread's drafts with it: a missing thread is a thread
    // deleted since the list was read.
    let Some(thread) = db::threads::find(db.read(), user.id, approved.thread_id).await? else {
        return Ok(None);
    };
    let drafts = db::drafts::list_thread(db.read(), thread.id).await?;
    let by_id: HashMap<DraftId, &db::drafts::Draft> = drafts.iter().map(|d| (d.id, d)).collect();
    let mut first = &approved;
    let mut revisions = 0;
    while let Some(earlier) = first.revises_draft_id.and_then(|id| by_id.get(&id)) {
        if revisions > drafts.len() {
            break; // a loop in the chain; the schema cannot make one, but stop anyway
        }
        first = earlier;
        revisions += 1;
    }
    let approved_run = match approved.agent_run_id {
        Some(id) => db::agent_runs::model_of(db.read(), id).await?,
        None => None,
    };
    let first_run = match first.agent_run_id {
        Some(id) if Some(id) != approved.agent_run_id => {
            db::agent_runs::model_of(db.read(), id).await?
        }
        _ => approved_run.clone(),
    };
    // What the approved draft answered; its run's snapshot when that message was
    // removed from the thread since.
    let answered = approved
        .answers_message
        .or(approved_run.and_then(|run| run.snapshot_message));
    let messages = match answered {
        Some(newest) => {
            let mut messages = db::messages::list_thread(db.read(), thread.id).await?;
            messages.retain(|m| m.id <= newest);
            messages
        }
        None => Vec::new(),
    };
    let notes = db::style_notes::in_force(db.read(), user.id, thread.id).await?;
    let approved_text = approved
        .final_content
        .clone()
        .unwrap_or_else(|| approved.content.clone());
    Ok(Some(Case {
        thread,
        messages,
        live_draft: first.content.clone(),
        live_model: first_run.map(|run| run.model),
        revisions,
        edited: approved_text != approved.content,
        approved: approved_text,
        as_of: answered.map(|newest_message| AsOf {
            newest_message,
            // What was approved before the live model wrote its first draft.
            approved_before: first.created_at,
        }),
        notes,
    }))
}

/// Replays every case, `concurrency` at a time, with `agent` (which writes nothing);
/// `done` is called for each thread in the order of `cases`, as soon as it and every
/// thread before it are done.
pub async fn run(
    agent: &Agent,
    user: &User,
    cases: Vec<Case>,
    concurrency: usize,
    mut done: impl FnMut(usize, &Replayed),
) -> Vec<Replayed> {
    let cases = Arc::new(cases);
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut index_of = HashMap::new();
    for index in 0..cases.len() {
        let (agent, user, cases, gate) = (agent.clone(), user.clone(), cases.clone(), gate.clone());
        let handle = tasks.spawn(async move {
            // The semaphore is never closed, so a permit always comes.
            let _permit = gate.acquire_owned().await;
            replay_one(&agent, &user, &cases[index]).await
        });
        index_of.insert(handle.id(), index);
    }
    let mut results: Vec<Option<(Outcome, i64, i64)>> = vec![None; cases.len()];
    let mut next = 0;
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, result)) => (id, result),
            Err(error) => {
                tracing::error!(%error, "a replay stopped unexpectedly");
                let failed = Outcome::Failed {
                    kind: Failure::Crashed,
                    message: "the replay of this thread stopped unexpectedly (see the log)"
                        .to_owned(),
                };
                (error.id(), (failed, 0, 0))
            }
        };
        if let Some(&index) = index_of.get(&id) {
            results[index] = Some(result);
        }
        while let Some(Some((outcome, prompt_tokens, completion_tokens))) = results.get(next) {
            done(
                next,
                &Replayed {
                    case: cases[next].clone(),
                    outcome: outcome.clone(),
                    prompt_tokens: *prompt_tokens,
                    completion_tokens: *completion_tokens,
                },
            );
            next += 1;
        }
    }
    let cases = Arc::unwrap_or_clone(cases);
    cases
        .into_iter()
        .zip(results)
        .map(|(case, result)| {
            let (outcome, prompt_tokens, completion_tokens) = result.unwrap_or_else(|| {
                let failed = Outcome::Failed {
                    kind: Failure::Crashed,
                    message: "the replay of this thread did not report back".to_owned(),
                };
                (failed, 0, 0)
            });
            Replayed {
                case,
                outcome,
                prompt_tokens,
                completion_tokens,
            }
        })
        .collect()
}

/// Re-drafts one thread: the outcome and the tokens it took.
async fn replay_one(agent: &Agent, user: &User, case: &Case) -> (Outcome, i64, i64) {
    let Some(as_of) = case.as_of else {
        let reason = "it is not recorded which messages the approved draft answered";
        return (Outcome::Skipped(reason.to_owned()), 0, 0);
    };
    if case.messages.is_empty() {
        let reason = "the messages the approved draft answered are no longer stored";
        return (Outcome::Skipped(reason.to_owned()), 0, 0);
    }
    let task = Task {
        user,
        thread: &case.thread,
        messages: &case.messages,
        revision: None,
        reply_requested: false,
        as_of: Some(as_of),
        notes: &case.notes,
    };
    let report = agent.run(&task, agent.deadline()).await;
    let outcome = match report.result {
        Ok(Decision::Draft(text)) => Outcome::Drafted(text),
        Ok(Decision::NoReply(reason)) => Outcome::NoReply(reason),
        Err(error) => {
            let kind = match &error {
                AgentError::Model(_) => Failure::Model,
                AgentError::Timeout(_) => Failure::Timeout,
                AgentError::TurnLimit(_) => Failure::TurnLimit,
                AgentError::Database(cause) => {
                    tracing::error!(error = %cause, thread = %case.thread.id, "a replay's database read failed");
                    Failure::Database
                }
            };
            Outcome::Failed {
                kind,
                message: error.to_string(),
            }
        }
    };
    (outcome, report.prompt_tokens, report.completion_tokens)
}
