//! The revise job: rewrite a pending draft from the reviewer's feedback, and keep what
//! the feedback teaches about the user's style, as far as the reviewer said it reaches.

use std::time::Instant;

use super::store::{RevisionOf, load, snapshot_messages, store};
use super::{Claimed, JobError, JobQueue, RevisePayload};
use crate::agent::{Distill, Revision, Task};
use crate::db;
use crate::db::drafts::DraftStatus;
use crate::notes::{self, Reach};

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
        notes: &claimed.notes,
        revision: Some(Revision {
            draft: &draft.content,
            feedback: &payload.feedback,
        }),
        reply_requested: false,
        as_of: None,
    };
    let deadline = agent.deadline();
    let mut report = agent.run(&task, deadline).await;
    let mut learned = Vec::new();
    if report.result.is_ok() {
        for piece in payload.pieces() {
            let mode = match piece.reach {
                Reach::Draft => continue,
                Reach::Auto => Distill::Judge,
                Reach::Contact => Distill::Phrase { this_contact: true },
                Reach::Always => Distill::Phrase {
                    this_contact: false,
                },
            };
            // A failed distillation is recorded in the run's transcript; the revision
            // stands, and a note the reviewer chose to keep is kept as they wrote it.
            let distilled = agent
                .distill(&piece.feedback, mode, &mut report, deadline)
                .await
                .ok()
                .flatten();
            if let Some(note) = notes::from_feedback(piece.reach, &piece.feedback, distilled) {
                learned.push((piece.feedback, note));
            }
        }
    }
    let revision = RevisionOf {
        draft_id: draft.id,
        feedback: &payload.feedback,
        feedback_on: payload.draft_id,
        learned: &learned,
    };
    store(queue, claimed, report, started, Some(revision)).await
}
