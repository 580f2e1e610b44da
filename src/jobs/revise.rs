//! The revise job: rewrite a pending draft from the reviewer's feedback, and keep what
//! the feedback teaches about the user's style.

use std::time::Instant;

use super::store::{RevisionOf, load, snapshot_messages, store};
use super::{Claimed, JobError, JobQueue, RevisePayload};
use crate::agent::{Decision, Revision, Task};
use crate::db;
use crate::db::drafts::DraftStatus;

pub(super) async fn run(queue: &JobQueue, claimed: &Claimed) -> Result<(), JobError> {
    let db = queue.db();
    let job = &claimed.job;
    let payload: RevisePayload = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Fail(format!("the revise job's payload is unreadable: {e}")))?;
    let (user, thread) = load(db, job).await?;
    // Feedback on a draft that a revision or new messages replaced applies to the
    // thread's current pending draft, if it has one.
    let draft = match db::drafts::find(db.read(), payload.draft_id).await? {
        Some(d) if d.status == DraftStatus::Pending => Some(d),
        _ => db::drafts::pending_for_thread(db.read(), thread.id).await?,
    };
    let Some(draft) = draft else {
        return Err(JobError::Fail(
            "the draft was no longer waiting for review, so there was nothing to revise".to_owned(),
        ));
    };
    let messages = snapshot_messages(db, thread.id, claimed.snapshot).await?;
    let agent = queue.agent();
    let started = Instant::now();
    let task = Task {
        user: &user,
        thread: &thread,
        messages: &messages,
        revision: Some(Revision {
            draft: &draft.content,
            feedback: &payload.feedback,
        }),
        reply_requested: false,
        as_of: None,
    };
    let deadline = agent.deadline();
    let mut report = agent.run(&task, deadline).await;
    let revised = matches!(report.result, Ok(Decision::Draft(_)));
    let note = if revised {
        // A failed distillation is recorded in the run's transcript; the revision stands.
        agent
            .distill(&payload.feedback, &mut report, deadline)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let revision = RevisionOf {
        draft_id: draft.id,
        feedback: &payload.feedback,
    };
    store(queue, claimed, report, started, Some(revision)).await?;
    if let Some(note) = note {
        db::users::add_style_note(db.write(), user.id, &note).await?;
    }
    Ok(())
}
