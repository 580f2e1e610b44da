//! Taking in messages: dedupe, store, supersede the answered draft, queue drafting.
//!
//! This is the "New messages" flow of the design, shared by the JSON API, form posts and
//! (later) the paste page. A message's identity is `(thread, message_id)`. Resending an
//! unchanged thread only reads, and costs no job.

use std::collections::HashSet;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::db::users::User;
use crate::db::{self, JobId, ThreadId, Timestamp};
use crate::error::AppError;
use crate::jobs::{EnqueueError, JobQueue, Room};
use crate::{paste, timestamp};

/// One message as a client sent it.
#[derive(Debug, Clone, Default)]
pub struct IncomingMessage {
    /// The client's id for the message; computed from the rest when absent.
    pub message_id: Option<String>,
    pub sender_name: String,
    pub date: String,
    pub time: String,
    pub content: String,
    /// A timestamp already known (the paste parser reads numeric dates in the order the
    /// paste uses); otherwise `date` and `time` are parsed here.
    pub timestamp: Option<chrono::NaiveDateTime>,
    /// Whether the user wrote it, when already known; otherwise decided by the sender's
    /// name against the user's names.
    pub is_mine: Option<bool>,
}

/// What happened to a batch of messages.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// How many messages the thread had not had before.
    pub new_messages: usize,
    /// The thread, if it exists (it is not created for a batch with nothing new).
    pub thread_id: Option<ThreadId>,
    /// The draft job the new messages are waiting on, if any.
    pub job_id: Option<JobId>,
    /// The pending draft that answered an older state of the thread, if any.
    pub superseded_draft: Option<String>,
}

/// The design's id for a message sent without one: hex SHA-256 of
/// `sender_name + "\n" + date + " " + time + "\n" + content`.
pub fn derived_message_id(sender_name: &str, date: &str, time: &str, content: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [sender_name, "\n", date, " ", time, "\n", content] {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// True if `sender` is one of the user's names (case-insensitive, ignoring outer spaces).
pub fn is_users_name(user: &User, sender: &str) -> bool {
    let sender = sender.trim().to_lowercase();
    user.my_names
        .iter()
        .any(|name| name.trim().to_lowercase() == sender)
}

/// The most messages one request may carry, whether sent as JSON or pasted.
pub const MAX_MESSAGES: usize = 5_000;

/// How many messages one write transaction stores. A large batch is written in parts,
/// so that no transaction holds the single writer for more than a few milliseconds and
/// other requests and workers take turns with it.
const WRITE_BATCH: usize = 100;
/// How long the draft job of a send stored in several commits waits for its last part;
/// should the send stop halfway, the job drafts from what was stored after that.
const RESERVED_FOR: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Why messages were not taken in. Nothing is stored when one of these is returned
/// (a database failure part-way through a large batch may leave its first parts stored,
/// which its kept job drafts from a minute later; sending the batch again stores the
/// rest).
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("{count} messages were sent at once; at most {MAX_MESSAGES} can be")]
    TooManyMessages { count: usize },
    #[error(
        "the pasted conversation holds {count} messages; at most {MAX_MESSAGES} can be sent at \
         once, so paste it in parts"
    )]
    PasteTooLong { count: usize },
    #[error(transparent)]
    Paste(#[from] paste::PasteError),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
}

impl From<sqlx::Error> for AcceptError {
    fn from(error: sqlx::Error) -> Self {
        Self::Enqueue(EnqueueError::Database(error))
    }
}

impl From<AcceptError> for AppError {
    fn from(error: AcceptError) -> Self {
        match error {
            AcceptError::TooManyMessages { .. } => Self::invalid("messages", error.to_string()),
            AcceptError::PasteTooLong { .. } | AcceptError::Paste(_) => {
                Self::invalid("conversation", error.to_string())
            }
            AcceptError::Enqueue(error) => error.into(),
        }
    }
}

/// Stores the messages not seen before and, if there were any, supersedes the thread's
/// pending draft and queues (or joins) a draft job, then wakes a worker.
///
/// Up to [`WRITE_BATCH`] messages are written in one transaction with the job. A larger
/// batch is written in parts: its job is queued in the first part, against the per-user
/// cap and before anything is stored, but due only once the last part is stored.
pub async fn accept(
    jobs: &JobQueue,
    user: &User,
    thread_name: &str,
    messages: Vec<IncomingMessage>,
) -> Result<Accepted, AcceptError> {
    if messages.len() > MAX_MESSAGES {
        return Err(AcceptError::TooManyMessages {
            count: messages.len(),
        });
    }
    let db = jobs.db();
    let messages: Vec<(String, IncomingMessage)> = messages
        .into_iter()
        .map(|m| {
            let id = m.message_id.clone().unwrap_or_else(|| {
                derived_message_id(&m.sender_name, &m.date, &m.time, &m.content)
            });
            (id, m)
        })
        .collect();
    let ids: Vec<&str> = messages.iter().map(|(id, _)| id.as_str()).collect();

    // The common case for integrations that resend the whole thread: nothing new. Answer
    // it from a read connection so it never waits on the single writer. Only this
    // thread's messages count: the same id in another thread is another message.
    let known = db::messages::known(db.read(), user.id, thread_name, &ids).await?;
    if ids.iter().all(|id| known.message_ids.contains(*id)) {
        return Ok(Accepted::nothing_new(known.thread_id));
    }

    let parts: Vec<&[(String, IncomingMessage)]> = messages.chunks(WRITE_BATCH).collect();
    let Some((last, earlier)) = parts.split_last() else {
        return Ok(Accepted::nothing_new(known.thread_id));
    };
    let mut batch = Batch::new(user);
    // Undated messages at the start of a new thread (a pasted header, a "Today" block)
    // belong before the dated ones that follow, not at the time they arrived.
    batch.first_dated_key = messages
        .iter()
        .find_map(|(_, m)| batch.sent_at(m))
        .map(timestamp::to_storage);
    let mut tx = db.begin().await?;
    let thread_id = db::threads::upsert(tx.exec(), user.id, thread_name, batch.now).await?;
    // A batch in one part is checked against the cap when its job is queued, in this same
    // transaction (so the user's queue is held only from there to the commit). A larger
    // one commits parts before that: its job takes its place in the queue in the first
    // part, not due until the last part is stored.
    let mut reservation = None;
    if !earlier.is_empty() {
        let due = batch.now.plus(RESERVED_FOR);
        reservation = jobs
            .reserve_draft(&mut tx, user.id, thread_id, batch.now, due)
            .await?;
    }
    for part in earlier {
        batch.store(&mut tx, thread_id, part).await?;
        if let Some(kept) = reservation.as_mut() {
            // Another while from this part: only a send that stopped lets it run early.
            kept.hold(&mut tx, Timestamp::now().plus(RESERVED_FOR))
                .await?;
        }
        tx.commit().await?;
        tx = db.begin().await?;
    }
    batch.store(&mut tx, thread_id, last).await?;
    if batch.new_messages == 0 {
        // Another request stored the same messages between our read and our write.
        tx.rollback().await?;
        if let Some(kept) = reservation {
            let mut tx = db.begin().await?;
            kept.cancel(&mut tx, Timestamp::now()).await?;
            tx.commit().await?;
        }
        return Ok(Accepted::nothing_new(Some(thread_id)));
    }
    let superseded_draft = db::drafts::supersede_pending(tx.exec(), thread_id, batch.now).await?;
    // A batch in one part checks the cap now; a larger one did in its first part.
    let room = if earlier.is_empty() {
        Room::Check
    } else {
        Room::Reserved
    };
    let job_id = jobs
        .enqueue_draft(&mut tx, user.id, thread_id, batch.now, room)
        .await?;
    if let Some(kept) = reservation {
        kept.release(&mut tx, batch.now).await?;
    }
    tx.commit().await?;
    jobs.wake();
    Ok(Accepted {
        new_messages: batch.new_messages,
        thread_id: Some(thread_id),
        job_id: Some(job_id),
        superseded_draft,
    })
}

impl Accepted {
    fn nothing_new(thread_id: Option<ThreadId>) -> Self {
        Self {
            new_messages: 0,
            thread_id,
            job_id: None,
            superseded_draft: None,
        }
    }
}

/// A batch of messages being stored, part by part.
struct Batch<'a> {
    user: &'a User,
    now: Timestamp,
    received: chrono::DateTime<Utc>,
    /// The ordering key of the message before the next one (from the thread once known).
    previous_key: Option<String>,
    /// The key of the batch's first dated message: the place of undated messages that
    /// open a thread.
    first_dated_key: Option<String>,
    seen: HashSet<String>,
    new_messages: usize,
}

impl<'a> Batch<'a> {
    fn new(user: &'a User) -> Self {
        let received = Utc::now();
        Self {
            user,
            now: Timestamp::from(received),
            received,
            previous_key: None,
            first_dated_key: None,
            seen: HashSet::new(),
            new_messages: 0,
        }
    }

    /// When a message was sent, if it says so in a way that parses.
    fn sent_at(&self, m: &IncomingMessage) -> Option<chrono::NaiveDateTime> {
        m.timestamp
            .or_else(|| timestamp::parse_date_time(&m.date, &m.time, self.received.date_naive()))
    }

    /// Stores one part's messages that are not stored yet.
    async fn store(
        &mut self,
        tx: &mut crate::db::Tx,
        thread_id: ThreadId,
        part: &[(String, IncomingMessage)],
    ) -> Result<(), sqlx::Error> {
        let mut key = match self.previous_key.take() {
            Some(key) => key,
            None => match db::messages::last_sort_key(tx.exec(), thread_id).await? {
                Some(key) => key,
                None => self
                    .first_dated_key
                    .clone()
                    .unwrap_or_else(|| timestamp::to_storage(self.received.naive_utc())),
            },
        };
        for (id, m) in part {
            let sent_at = self.sent_at(m).map(timestamp::to_storage);
            // A message whose time does not parse keeps its place after the one before it.
            let sort_key = sent_at.clone().unwrap_or_else(|| key.clone());
            if self.seen.insert(id.clone()) {
                let inserted = db::messages::insert(
                    tx.exec(),
                    &db::messages::NewMessage {
                        user_id: self.user.id,
                        thread_id,
                        message_id: id,
                        sender_name: m.sender_name.trim(),
                        raw_date: &m.date,
                        raw_time: &m.time,
                        sent_at: sent_at.as_deref(),
                        sort_key: &sort_key,
                        content: &m.content,
                        is_mine: m
                            .is_mine
                            .unwrap_or_else(|| is_users_name(self.user, &m.sender_name)),
                        received_at: self.now,
                    },
                )
                .await?;
                self.new_messages += usize::from(inserted);
            }
            key = sort_key;
        }
        self.previous_key = Some(key);
        Ok(())
    }
}

/// What a pasted conversation became.
#[derive(Debug, Clone)]
pub struct PasteAccepted {
    pub accepted: Accepted,
    pub parsed: paste::Parsed,
}

/// Reads a pasted conversation and takes in its messages. Messages get the design's
/// derived ids (unless the paste is the API's JSON with ids), so pasting the same
/// conversation again adds nothing and queues nothing.
pub async fn accept_paste(
    jobs: &JobQueue,
    user: &User,
    thread_name: &str,
    text: &str,
    format: Option<paste::Format>,
) -> Result<PasteAccepted, AcceptError> {
    let options = paste::ParseOptions {
        format,
        reference_date: Utc::now().date_naive(),
        my_names: &user.my_names,
    };
    let parsed = paste::parse(text, &options)?;
    accept_parsed(jobs, user, thread_name, parsed).await
}

/// Takes in the messages of a paste already read (and perhaps corrected by the user).
pub async fn accept_parsed(
    jobs: &JobQueue,
    user: &User,
    thread_name: &str,
    parsed: paste::Parsed,
) -> Result<PasteAccepted, AcceptError> {
    if parsed.messages.len() > MAX_MESSAGES {
        return Err(AcceptError::PasteTooLong {
            count: parsed.messages.len(),
        });
    }
    let messages = parsed
        .messages
        .iter()
        .map(|m| IncomingMessage {
            message_id: m.message_id.clone(),
            sender_name: m.sender.clone(),
            date: m.date.clone(),
            time: m.time.clone(),
            content: m.content.clone(),
            timestamp: m.timestamp,
            is_mine: Some(m.is_mine),
        })
        .collect();
    let accepted = accept(jobs, user, thread_name, messages).await?;
    Ok(PasteAccepted { accepted, parsed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_message_id_is_the_sha256_of_sender_time_and_content() {
        let id = derived_message_id("Anna", "2026-11-25", "10:15", "Hi!");
        let expected = hex::encode(Sha256::digest(b"Anna\n2026-11-25 10:15\nHi!"));
        assert_eq!(id, expected);
        assert_ne!(id, derived_message_id("Anna", "2026-11-25", "10:16", "Hi!"));
    }
}
