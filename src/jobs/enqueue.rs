//! Putting work in the queue: one queued draft job per thread, one queued revision per
//! draft (newer feedback joins it), and a cap on how many jobs one user may have waiting.

use serde::{Deserialize, Serialize};

use super::JobQueue;
use crate::db::jobs::JobKind;
use crate::db::{self, DraftId, JobId, LockKey, ThreadId, Timestamp, UserId};
use crate::notes::Reach;
use crate::review::MAX_FEEDBACK;

/// How long a client whose queue is full is asked to wait before trying again.
pub const QUEUE_FULL_RETRY_AFTER_SECS: u64 = 30;

/// Why work was not queued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error(
        "{queued} jobs of this account are already waiting, the most JOB_MAX_QUEUED_PER_USER \
         allows; try again when some of them have run"
    )]
    QueueFull { queued: i64 },
    #[error(
        "this draft already has {waiting} characters of feedback waiting for its revision, and \
         one revision takes at most {MAX_FEEDBACK}; give more feedback on the revised draft"
    )]
    FeedbackFull { waiting: usize },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Whether a new job must fit under the per-user cap, or already has its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Room {
    /// Refuse the job when the user's queue is full.
    Check,
    /// The place was kept earlier in the same request (a large send stored in parts,
    /// [`JobQueue::reserve_draft`]).
    Reserved,
}

/// What a draft job carries.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct DraftPayload {
    /// The reviewer asked for a reply after a run decided none was needed.
    #[serde(default)]
    pub reply_requested: bool,
}

/// What a revise job carries.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RevisePayload {
    pub draft_id: DraftId,
    /// The reviewer's feedback; later feedback given before the revision started is
    /// appended as its own paragraph.
    pub feedback: String,
    /// Each piece of that feedback with how far it reaches, in the order given. Absent
    /// from jobs queued before feedback had a reach: see [`RevisePayload::pieces`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<FeedbackPiece>,
}

/// One piece of feedback and its reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackPiece {
    pub feedback: String,
    #[serde(default)]
    pub reach: Reach,
}

impl RevisePayload {
    /// The pieces of feedback; a job from before reaches is one piece that reaches as
    /// the model decides, as all feedback did then.
    pub fn pieces(&self) -> Vec<FeedbackPiece> {
        if self.pieces.is_empty() {
            vec![FeedbackPiece {
                feedback: self.feedback.clone(),
                reach: Reach::Auto,
            }]
        } else {
            self.pieces.clone()
        }
    }

    /// Adds a piece of feedback as its own paragraph, unless the same text is there
    /// already; returns whether it was added.
    fn add(&mut self, piece: &FeedbackPiece) -> Result<bool, EnqueueError> {
        if self
            .feedback
            .split("\n\n")
            .any(|part| part == piece.feedback)
        {
            return Ok(false);
        }
        let joined = if self.feedback.is_empty() {
            piece.feedback.clone()
        } else {
            format!("{}\n\n{}", self.feedback, piece.feedback)
        };
        if joined.chars().count() > MAX_FEEDBACK {
            return Err(EnqueueError::FeedbackFull {
                waiting: self.feedback.chars().count(),
            });
        }
        if !self.feedback.is_empty() {
            self.pieces = self.pieces();
        }
        self.pieces.push(piece.clone());
        self.feedback = joined;
        Ok(true)
    }
}

impl JobQueue {
    /// Refuses a new job for a user who already has the most jobs waiting.
    pub(crate) async fn ensure_room(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
    ) -> Result<(), EnqueueError> {
        // Requests in parallel transactions (PostgreSQL) take turns, so that each counts
        // the jobs the others queued; SQLite's single writer gives that already.
        conn.lock(LockKey::UserQueue, user_id.get()).await?;
        let queued = db::jobs::count_queued(conn.exec(), user_id).await?;
        if queued >= self.0.settings.max_queued_per_user {
            return Err(EnqueueError::QueueFull { queued });
        }
        Ok(())
    }

    /// Queues a draft job for the thread, or joins the one already queued; returns its id.
    pub(crate) async fn enqueue_draft(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
        thread_id: ThreadId,
        now: Timestamp,
        room: Room,
    ) -> Result<JobId, EnqueueError> {
        self.queue_draft(conn, user_id, thread_id, now, now, room, false)
            .await
    }

    /// Queues a draft job that must end with a draft ("Draft anyway"), or makes the
    /// thread's queued draft job one; returns its id.
    pub(crate) async fn request_reply(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
        thread_id: ThreadId,
        now: Timestamp,
    ) -> Result<JobId, EnqueueError> {
        self.queue_draft(conn, user_id, thread_id, now, now, Room::Check, true)
            .await
    }

    /// Keeps the thread's place in the queue for a send stored in several commits: its
    /// draft job is queued now, against the cap, but not due before `due`; the send holds
    /// it while it stores and releases it with its last commit
    /// ([`db::jobs::Reservation`]). Should the send stop halfway, the job drafts from
    /// what was stored, at `due`. `None` when the thread's queued job was joined instead.
    pub(crate) async fn reserve_draft(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
        thread_id: ThreadId,
        now: Timestamp,
        due: Timestamp,
    ) -> Result<Option<db::jobs::Reservation>, EnqueueError> {
        // Under the thread's lock, which `queue_draft` takes again: whether it joins or
        // queues cannot change in between.
        conn.lock(LockKey::Thread, thread_id.get()).await?;
        let queued = db::jobs::has_queued_draft(conn.exec(), thread_id).await?;
        let job = self
            .queue_draft(conn, user_id, thread_id, now, due, Room::Check, false)
            .await?;
        Ok((!queued).then_some(db::jobs::Reservation { job, due }))
    }

    /// Queues a draft job due at `due`, or joins the thread's queued one.
    #[allow(clippy::too_many_arguments)]
    async fn queue_draft(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
        thread_id: ThreadId,
        now: Timestamp,
        due: Timestamp,
        room: Room,
        reply_requested: bool,
    ) -> Result<JobId, EnqueueError> {
        // Instances on one PostgreSQL database take turns per thread, so a thread never
        // gets two queued draft jobs (SQLite's single writer gives that already).
        conn.lock(LockKey::Thread, thread_id.get()).await?;
        let payload = to_json(&DraftPayload { reply_requested });
        if let Some(id) = db::jobs::join_queued_draft(conn.exec(), thread_id, now).await? {
            // A plain request joining a queued "draft anyway" leaves it as it is.
            if reply_requested {
                db::jobs::set_payload(conn.exec(), id, &payload, now).await?;
            }
            return Ok(id);
        }
        if room == Room::Check {
            self.ensure_room(conn, user_id).await?;
        }
        let id = db::jobs::insert(
            conn,
            JobKind::Draft,
            user_id,
            thread_id,
            None,
            &payload,
            now,
            due,
        )
        .await?;
        Ok(id)
    }

    /// Queues a revision of a draft from pieces of feedback with their reach, or adds
    /// them to the revision already queued for it (feedback sent twice is kept once);
    /// returns the job's id.
    pub(crate) async fn enqueue_revise(
        &self,
        conn: &mut crate::db::Tx,
        user_id: UserId,
        thread_id: ThreadId,
        draft_id: DraftId,
        pieces: &[FeedbackPiece],
        now: Timestamp,
    ) -> Result<JobId, EnqueueError> {
        conn.lock(LockKey::Thread, thread_id.get()).await?;
        let empty = || RevisePayload {
            draft_id,
            feedback: String::new(),
            pieces: Vec::new(),
        };
        if let Some((id, payload)) = db::jobs::queued_revise(conn.exec(), draft_id).await? {
            let mut payload =
                serde_json::from_str::<RevisePayload>(&payload).unwrap_or_else(|_| empty());
            let mut changed = false;
            for piece in pieces {
                changed |= payload.add(piece)?;
            }
            if changed {
                db::jobs::set_payload(conn.exec(), id, &to_json(&payload), now).await?;
            }
            return Ok(id);
        }
        self.ensure_room(conn, user_id).await?;
        let mut payload = empty();
        for piece in pieces {
            payload.add(piece)?;
        }
        let id = db::jobs::insert(
            conn,
            JobKind::Revise,
            user_id,
            thread_id,
            Some(draft_id),
            &to_json(&payload),
            now,
            now,
        )
        .await?;
        Ok(id)
    }
}

fn to_json(payload: &impl Serialize) -> String {
    // The payloads are plain structs of numbers, strings and flags: they always serialise.
    serde_json::to_string(payload).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(feedback: &str, reach: Reach) -> FeedbackPiece {
        FeedbackPiece {
            feedback: feedback.to_owned(),
            reach,
        }
    }

    #[test]
    fn joined_feedback_keeps_each_pieces_reach_and_old_payloads_still_read() {
        // A revise job queued before feedback had a reach.
        let mut payload: RevisePayload =
            serde_json::from_str(r#"{"draft_id": 3, "feedback": "shorter"}"#).expect("reads");
        assert_eq!(payload.pieces(), [piece("shorter", Reach::Auto)]);
        assert!(
            payload
                .add(&piece("sign as J.", Reach::Contact))
                .expect("fits")
        );
        assert!(
            !payload
                .add(&piece("sign as J.", Reach::Always))
                .expect("fits"),
            "the same feedback twice is kept once"
        );
        assert_eq!(payload.feedback, "shorter\n\nsign as J.");
        assert_eq!(
            payload.pieces,
            [
                piece("shorter", Reach::Auto),
                piece("sign as J.", Reach::Contact)
            ]
        );
        let stored = to_json(&payload);
        assert!(stored.contains(r#""reach":"contact""#), "{stored}");
        let again: RevisePayload = serde_json::from_str(&stored).expect("reads");
        assert_eq!(again.pieces(), payload.pieces);
    }
}
