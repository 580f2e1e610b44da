//! The draft job: decide whether a thread needs a reply and store the draft.

use std::time::Instant;

use super::store::{load, snapshot_messages, store};
use super::{Claimed, DraftPayload, JobError, JobQueue};
use crate::agent::Task;

pub(super) async fn run(queue: &JobQueue, claimed: &Claimed) -> Result<(), JobError> {
    let db = queue.db();
    let job = &claimed.job;
    // A payload that does not read (none, from before payloads) is an ordinary run.
    let payload: DraftPayload = serde_json::from_str(&job.payload).unwrap_or_default();
    let (user, thread) = load(db, job).await?;
    let messages = snapshot_messages(db, thread.id, claimed.snapshot).await?;
    let started = Instant::now();
    let task = Task {
        user: &user,
        thread: &thread,
        messages: &messages,
        notes: &claimed.notes,
        revision: None,
        reply_requested: payload.reply_requested,
        as_of: None,
    };
    let report = queue.agent().run(&task, queue.agent().deadline()).await;
    store(queue, claimed, report, started, None).await
}
