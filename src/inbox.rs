//! Taking in messages: dedupe, store, supersede the answered draft, queue drafting.
//!
//! This is the "New messages" flow of the design, shared by the JSON API, form posts and
//! (later) the paste page. Resending an unchanged thread only reads, and costs no job.

use std::collections::HashSet;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::db::users::User;
use crate::db::{self, Db};
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
    /// How many messages had not been seen before.
    pub new_messages: usize,
    /// The thread, if it exists (it is not created for a batch with nothing new).
    pub thread_id: Option<i64>,
    /// The draft job the new messages are waiting on, if any.
    pub job_id: Option<i64>,
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

/// Stores the messages not seen before and, if there were any, supersedes the thread's
/// pending draft and queues (or joins) a draft job, all in one transaction.
pub async fn accept(
    db: &Db,
    user: &User,
    thread_name: &str,
    messages: Vec<IncomingMessage>,
) -> Result<Accepted, sqlx::Error> {
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
    // it from a read connection so it never waits on the single writer.
    let known = db::messages::known(&db.read, user.id, thread_name, &ids).await?;
    if ids.iter().all(|id| known.message_ids.contains(*id)) {
        return Ok(Accepted {
            new_messages: 0,
            thread_id: known.thread_id,
            job_id: None,
            superseded_draft: None,
        });
    }

    let now = db::now();
    let received = Utc::now();
    let today = received.date_naive();
    let mut tx = db.write.begin().await?;
    let thread_id = db::threads::upsert(&mut *tx, user.id, thread_name, &now).await?;
    let mut previous_key = db::messages::last_sort_key(&mut *tx, thread_id)
        .await?
        .unwrap_or_else(|| timestamp::to_storage(received.naive_utc()));
    let mut seen_in_batch = HashSet::new();
    let mut new_messages = 0;
    for (id, m) in &messages {
        let sent_at = m
            .timestamp
            .or_else(|| timestamp::parse_date_time(&m.date, &m.time, today))
            .map(timestamp::to_storage);
        // A message whose time does not parse keeps its place after the one before it.
        let sort_key = sent_at.clone().unwrap_or_else(|| previous_key.clone());
        if seen_in_batch.insert(id.as_str()) {
            let inserted = db::messages::insert(
                &mut *tx,
                &db::messages::NewMessage {
                    user_id: user.id,
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
                        .unwrap_or_else(|| is_users_name(user, &m.sender_name)),
                    received_at: &now,
                },
            )
            .await?;
            new_messages += usize::from(inserted);
        }
        previous_key = sort_key;
    }
    if new_messages == 0 {
        // Another request stored the same messages between our read and our write.
        tx.rollback().await?;
        return Ok(Accepted {
            new_messages: 0,
            thread_id: Some(thread_id),
            job_id: None,
            superseded_draft: None,
        });
    }
    let superseded_draft = db::drafts::supersede_pending(&mut *tx, thread_id, &now).await?;
    let (job_id, _) = db::jobs::enqueue_draft(&mut tx, user.id, thread_id, &now).await?;
    tx.commit().await?;
    Ok(Accepted {
        new_messages,
        thread_id: Some(thread_id),
        job_id: Some(job_id),
        superseded_draft,
    })
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
    db: &Db,
    user: &User,
    thread_name: &str,
    text: &str,
    format: Option<paste::Format>,
) -> Result<Result<PasteAccepted, paste::PasteError>, sqlx::Error> {
    let options = paste::ParseOptions {
        format,
        reference_date: Utc::now().date_naive(),
        my_names: &user.my_names,
    };
    let parsed = match paste::parse(text, &options) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(error)),
    };
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
    let accepted = accept(db, user, thread_name, messages).await?;
    Ok(Ok(PasteAccepted { accepted, parsed }))
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
