//! The step every job kind ends with: the run's result stored with the job's completion
//! in one transaction, and what the job kinds load before their run.

use std::time::Instant;

use super::runs::{self, Ending};
use super::{Claimed, JobError, JobQueue};
use crate::agent::{Decision, RunReport};
use crate::db::drafts::NewDraft;
use crate::db::jobs::Job;
use crate::db::{self, Db, DraftId, MessageId, ThreadId, Timestamp};
use crate::notes::{self, Learned};

/// The thread's messages up to the run's snapshot.
pub(super) async fn snapshot_messages(
    db: &Db,
    thread_id: ThreadId,
    snapshot: Option<MessageId>,
) -> Result<Vec<db::messages::Message>, sqlx::Error> {
    let mut messages = db::messages::list_thread(db.read(), thread_id).await?;
    messages.retain(|m| Some(m.id) <= snapshot);
    Ok(messages)
}

/// The job's user and thread (the schema deletes a thread's jobs with it, so a
/// missing one means the data changed under the job).
pub(super) async fn load(
    db: &Db,
    job: &Job,
) -> Result<(db::users::User, db::threads::Thread), JobError> {
    let user = db::users::find(db.read(), job.user_id).await?;
    let thread = db::threads::find(db.read(), job.user_id, job.thread_id).await?;
    user.zip(thread)
        .ok_or_else(|| JobError::Fail("the job's thread no longer exists".to_owned()))
}

/// What a revision adds to a stored draft, and the notes its feedback yields.
pub(super) struct RevisionOf<'a> {
    /// The draft revised.
    pub draft_id: DraftId,
    pub feedback: &'a str,
    /// The draft the feedback was given on (a newer one may have been revised).
    pub feedback_on: DraftId,
    /// Each piece of feedback that yields a note, with the note.
    pub learned: &'a [(String, Learned)],
}

/// Stores a run's result with the job's completion, in one transaction.
///
/// A draft is stored only if no message arrived after the agent's snapshot (and, for a
/// revision, the draft it revises is still pending); otherwise the run is `stale` and
/// the follow-up job writes the draft that is shown.
pub(super) async fn store(
    queue: &JobQueue,
    claimed: &Claimed,
    report: RunReport,
    started: Instant,
    revision: Option<RevisionOf<'_>>,
) -> Result<(), JobError> {
    let db = queue.db();
    let (job, run_id, snapshot) = (&claimed.job, claimed.run_id, claimed.snapshot);
    let decision = match &report.result {
        Ok(decision) => decision.clone(),
        Err(error) => {
            let message = error.to_string();
            runs::finish(
                db.write(),
                run_id,
                &report,
                started,
                Ending::Failed(&message),
            )
            .await?;
            db::precedents::record(db.write(), run_id, &report.precedents).await?;
            return Err(JobError::from(error));
        }
    };
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    match decision {
        Decision::NoReply(reason) => {
            runs::finish(
                tx.exec(),
                run_id,
                &report,
                started,
                Ending::NoReply(&reason),
            )
            .await?;
        }
        Decision::Draft(content) => {
            let newest = db::messages::newest_id(tx.exec(), job.thread_id).await?;
            let target_pending = match &revision {
                Some(r) => db::drafts::find(tx.exec(), r.draft_id)
                    .await?
                    .is_some_and(|d| d.status == db::drafts::DraftStatus::Pending),
                None => true,
            };
            if newest != snapshot || !target_pending {
                let reason = "new messages arrived while drafting; the follow-up run drafts again";
                runs::finish(tx.exec(), run_id, &report, started, Ending::Stale(reason)).await?;
            } else {
                db::drafts::supersede_pending(tx.exec(), job.thread_id, now).await?;
                let id = uuid::Uuid::new_v4().to_string();
                db::drafts::insert(
                    tx.exec(),
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
                runs::finish(tx.exec(), run_id, &report, started, Ending::Drafted).await?;
            }
        }
    }
    // The reviewer's feedback stands whatever became of its revision (drafted, not
    // needed, or overtaken by new messages): its notes are kept with the job's end.
    if let Some(revision) = &revision {
        for (feedback, note) in revision.learned {
            notes::keep_learned(
                tx.exec(),
                job.user_id,
                job.thread_id,
                revision.feedback_on,
                feedback,
                note,
                now,
            )
            .await?;
        }
    }
    // What the run looked up, whatever became of its draft ("Based on").
    db::precedents::record(tx.exec(), run_id, &report.precedents).await?;
    if !db::jobs::complete(tx.exec(), job.id, job.attempts, now).await? {
        // The lease expired and another worker took the job over: its attempt decides.
        tracing::warn!("the job was taken over by another worker; this run's result is dropped");
        tx.rollback().await?;
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
}
