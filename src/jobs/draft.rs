//! The draft job: decide whether a thread needs a reply and store the draft.

use std::time::Instant;

use super::{Ending, JobError, JobQueue};
use crate::agent::{Decision, RunReport, Task};
use crate::db::agent_runs::{self, Trigger};
use crate::db::drafts::NewDraft;
use crate::db::jobs::Job;
use crate::db::{self, Db};

pub(super) async fn run(queue: &JobQueue, job: &Job) -> Result<(), JobError> {
    let db = queue.db();
    let Some((user, thread)) = load(db, job).await? else {
        db::jobs::complete(&db.write, job.id, &db::now()).await?;
        return Ok(());
    };
    let messages = db::messages::list_thread(&db.read, thread.id).await?;
    let snapshot = messages.iter().map(|m| m.id).max();
    let agent = queue.agent();
    let run_id = agent_runs::start(
        &db.write,
        thread.id,
        job.id,
        Trigger::NewMessages,
        agent.model_name(),
        agent.is_offline(),
        snapshot,
        &db::now(),
    )
    .await?;
    let started = Instant::now();
    let task = Task {
        user: &user,
        thread: &thread,
        messages: &messages,
        revision: None,
    };
    let report = agent.run(&task).await;
    store(queue, job, run_id, snapshot, report, started, None).await
}

/// The job's user and thread; `None` if the thread is gone.
pub(super) async fn load(
    db: &Db,
    job: &Job,
) -> Result<Option<(db::users::User, db::threads::Thread)>, sqlx::Error> {
    let Some(user) = db::users::find(&db.read, job.user_id).await? else {
        return Ok(None);
    };
    let thread = db::threads::find(&db.read, job.user_id, job.thread_id).await?;
    Ok(thread.map(|thread| (user, thread)))
}

/// What a revision adds to a stored draft.
pub(super) struct RevisionOf<'a> {
    pub draft_id: i64,
    pub feedback: &'a str,
}

/// Stores a run's result with the job's completion, in one transaction.
///
/// A draft is stored only if no message arrived after the agent's snapshot (and, for a
/// revision, the draft it revises is still pending); otherwise the run is `stale` and
/// the follow-up job writes the draft that is shown.
pub(super) async fn store(
    queue: &JobQueue,
    job: &Job,
    run_id: i64,
    snapshot: Option<i64>,
    report: RunReport,
    started: Instant,
    revision: Option<RevisionOf<'_>>,
) -> Result<(), JobError> {
    let db = queue.db();
    let decision = match &report.result {
        Ok(decision) => decision.clone(),
        Err(error) => {
            let mut conn = db.write.acquire().await?;
            let message = error.to_string();
            queue
                .finish_run(
                    &mut conn,
                    run_id,
                    &report,
                    started,
                    Ending::Failed(&message),
                )
                .await?;
            return Err(JobError::from(error.clone()));
        }
    };
    let now = db::now();
    let mut tx = db.write.begin().await?;
    match decision {
        Decision::NoReply(reason) => {
            queue
                .finish_run(&mut tx, run_id, &report, started, Ending::NoReply(&reason))
                .await?;
        }
        Decision::Draft(content) => {
            let newest = db::messages::newest_id(&mut *tx, job.thread_id).await?;
            let target_pending = match &revision {
                Some(r) => db::drafts::find(&mut *tx, r.draft_id)
                    .await?
                    .is_some_and(|d| d.status == db::drafts::DraftStatus::Pending),
                None => true,
            };
            if newest != snapshot || !target_pending {
                let reason = "new messages arrived while drafting; the follow-up run drafts again";
                queue
                    .finish_run(&mut tx, run_id, &report, started, Ending::Stale(reason))
                    .await?;
            } else {
                db::drafts::supersede_pending(&mut *tx, job.thread_id, &now).await?;
                let id = uuid::Uuid::new_v4().to_string();
                db::drafts::insert(
                    &mut *tx,
                    &NewDraft {
                        draft_message_id: &id,
                        user_id: job.user_id,
                        thread_id: job.thread_id,
                        content: &content,
                        revises_draft_id: revision.as_ref().map(|r| r.draft_id),
                        feedback: revision.as_ref().map(|r| r.feedback),
                        agent_run_id: Some(run_id),
                        answers_message: snapshot,
                    },
                )
                .await?;
                queue
                    .finish_run(&mut tx, run_id, &report, started, Ending::Drafted)
                    .await?;
            }
        }
    }
    db::jobs::complete(&mut *tx, job.id, &now).await?;
    tx.commit().await?;
    Ok(())
}
