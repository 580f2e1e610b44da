//! The `run_precedents` and `excluded_precedents` tables: what each agent run was shown
//! from the user's other conversations (the "Based on" panel), and what the reviewer
//! asked the agent not to use again, for one contact (the runs of one thread) or for good.
//! The searches in `search.rs` leave the excluded ones out.

use serde::Serialize;

use super::messages::Message;
use super::search::{ApprovedExample, PastExchange};
use super::{Backend, Exec, on};
use super::{DraftId, MessageId, PrecedentId, RunId, ThreadId, Timestamp, UserId};

/// What a run was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrecedentKind {
    /// An approved reply that `search_past_messages` found.
    Approved,
    /// A message of the other side that `search_past_messages` found, with the answer.
    Exchange,
    /// A recent approved reply, put in the prompt as an example of the user's voice.
    Example,
    /// A conversation read in full with `get_thread`.
    Thread,
}

super::stored_as_text!(PrecedentKind {
    Approved => "approved",
    Exchange => "exchange",
    Example => "example",
    Thread => "thread",
});

/// For whom a precedent is not used again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// In the runs of the thread whose run used it ("for this contact").
    Contact,
    /// In every run ("for good").
    Always,
}

super::stored_as_text!(Scope { Contact => "contact", Always => "always" });

/// How much of a text a precedent keeps; the transcript has it whole.
const EXCERPT_CHARS: usize = 280;

/// A precedent as a run collects it, to be stored with the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPrecedent {
    pub kind: PrecedentKind,
    pub draft_id: Option<DraftId>,
    pub message_id: Option<MessageId>,
    /// Where it is (for a conversation read in full, that conversation).
    pub thread_id: ThreadId,
    pub excerpt: String,
    /// For an exchange: what the user answered next, if they did.
    pub answer: Option<String>,
}

impl NewPrecedent {
    /// An approved reply that a search found.
    pub fn approved(found: &ApprovedExample) -> Self {
        Self::reply(PrecedentKind::Approved, found)
    }

    /// A recent approved reply shown in the prompt.
    pub fn example(shown: &ApprovedExample) -> Self {
        Self::reply(PrecedentKind::Example, shown)
    }

    fn reply(kind: PrecedentKind, reply: &ApprovedExample) -> Self {
        Self {
            kind,
            draft_id: Some(reply.draft_id),
            message_id: None,
            thread_id: reply.thread_id,
            excerpt: excerpt(&reply.text),
            answer: None,
        }
    }

    /// A message of the other side that a search found, with the user's answer.
    pub fn exchange(found: &PastExchange) -> Self {
        Self {
            kind: PrecedentKind::Exchange,
            draft_id: None,
            message_id: Some(found.message_id),
            thread_id: found.thread_id,
            excerpt: excerpt(&found.message),
            answer: found.reply.as_deref().map(excerpt),
        }
    }

    /// A conversation read in full; the excerpt is its last message.
    pub fn thread(thread_id: ThreadId, messages: &[Message]) -> Self {
        Self {
            kind: PrecedentKind::Thread,
            draft_id: None,
            message_id: None,
            thread_id,
            excerpt: messages
                .last()
                .map(|m| excerpt(&format!("{}: {}", m.sender_name, m.content)))
                .unwrap_or_default(),
            answer: None,
        }
    }

    /// Whether both name the same thing in the same way.
    fn same_as(&self, other: &Self) -> bool {
        (self.kind, self.draft_id, self.message_id, self.thread_id)
            == (
                other.kind,
                other.draft_id,
                other.message_id,
                other.thread_id,
            )
    }
}

/// Adds a precedent to a run's list, unless the run met it before in the same way.
pub fn note(list: &mut Vec<NewPrecedent>, precedent: NewPrecedent) {
    if !list.iter().any(|p| p.same_as(&precedent)) {
        list.push(precedent);
    }
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    let clipped: String = text.chars().take(EXCERPT_CHARS).collect();
    if clipped.len() < text.len() {
        format!("{}\u{2026}", clipped.trim_end())
    } else {
        clipped
    }
}

/// Stores a run's precedents in the order given, in one statement. One removed while the
/// run worked (a message taken out of its thread, a thread deleted) is left out: the run's
/// result stands, and a panel lists only what still exists.
pub async fn record(
    exec: Exec<'_>,
    run_id: RunId,
    precedents: &[NewPrecedent],
) -> Result<(), sqlx::Error> {
    if precedents.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(precedents).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "INSERT INTO run_precedents (run_id, position, kind, draft_id, message_id, thread_id, \
                                         excerpt, answer) \
             SELECT $1, p.key, json_extract(p.value, '$.kind'), \
                    json_extract(p.value, '$.draft_id'), json_extract(p.value, '$.message_id'), \
                    json_extract(p.value, '$.thread_id'), json_extract(p.value, '$.excerpt'), \
                    json_extract(p.value, '$.answer') \
             FROM json_each($2) AS p \
             WHERE EXISTS (SELECT 1 FROM threads t WHERE t.id = json_extract(p.value, '$.thread_id')) \
               AND (json_extract(p.value, '$.draft_id') IS NULL \
                    OR EXISTS (SELECT 1 FROM drafts d WHERE d.id = json_extract(p.value, '$.draft_id'))) \
               AND (json_extract(p.value, '$.message_id') IS NULL \
                    OR EXISTS (SELECT 1 FROM messages m \
                               WHERE m.id = json_extract(p.value, '$.message_id')))"
        }
        Backend::Postgres => {
            "INSERT INTO run_precedents (run_id, position, kind, draft_id, message_id, thread_id, \
                                         excerpt, answer) \
             SELECT $1::bigint, e.n - 1, e.p->>'kind', (e.p->>'draft_id')::bigint, \
                    (e.p->>'message_id')::bigint, (e.p->>'thread_id')::bigint, e.p->>'excerpt', \
                    e.p->>'answer' \
             FROM json_array_elements($2::json) WITH ORDINALITY AS e(p, n) \
             WHERE EXISTS (SELECT 1 FROM threads t WHERE t.id = (e.p->>'thread_id')::bigint) \
               AND (e.p->>'draft_id' IS NULL \
                    OR EXISTS (SELECT 1 FROM drafts d WHERE d.id = (e.p->>'draft_id')::bigint)) \
               AND (e.p->>'message_id' IS NULL \
                    OR EXISTS (SELECT 1 FROM messages m WHERE m.id = (e.p->>'message_id')::bigint))"
        }
    };
    on!(exec, |c| sqlx::query(sql)
        .bind(run_id)
        .bind(&list)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// A stored precedent as the "Based on" panel shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Precedent {
    pub id: PrecedentId,
    pub run_id: RunId,
    pub kind: PrecedentKind,
    /// The conversation it is in (or, for one read in full, that conversation).
    pub thread_id: ThreadId,
    pub thread_name: String,
    /// Who wrote it, for an exchange.
    pub sender_name: Option<String>,
    pub excerpt: String,
    pub answer: Option<String>,
    /// Whether the reviewer asked not to use it again in the runs of this run's thread,
    /// for good or for this contact (for good wins where both apply).
    pub excluded: Option<Scope>,
}

/// The precedents of the user's runs `run_ids`, each run's in its order, in one query;
/// runs of other users have none here.
pub async fn for_runs(
    exec: Exec<'_>,
    user_id: UserId,
    run_ids: &[RunId],
) -> Result<Vec<Precedent>, sqlx::Error> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(run_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // An exclusion applies to the reply or message itself, or to its whole conversation:
    // each of the three is looked up by its own index. They are the user's own (so the
    // user's exclusions need no other condition, which would lead the planner to scan
    // them all by user instead). An exclusion for good (no `for_thread_id`) wins over one
    // for this contact.
    let sql = match exec.backend() {
        Backend::Sqlite => {
            "SELECT p.id, p.run_id, p.kind, p.thread_id, t.name AS thread_name, m.sender_name, \
                    p.excerpt, p.answer, \
                    (SELECT CASE WHEN count(*) = 0 THEN NULL \
                                 WHEN count(*) > count(x.for_thread_id) THEN 'always' \
                                 ELSE 'contact' END \
                     FROM excluded_precedents x \
                     WHERE (x.thread_id = p.thread_id OR x.draft_id = p.draft_id \
                            OR x.message_id = p.message_id) \
                       AND (x.for_thread_id IS NULL OR x.for_thread_id = r.thread_id)) AS excluded \
             FROM run_precedents p \
             JOIN agent_runs r ON r.id = p.run_id \
             JOIN threads rt ON rt.id = r.thread_id \
             JOIN threads t ON t.id = p.thread_id \
             LEFT JOIN messages m ON m.id = p.message_id \
             WHERE p.run_id IN (SELECT value FROM json_each($1)) AND rt.user_id = $2 \
             ORDER BY p.run_id, p.position"
        }
        Backend::Postgres => {
            "SELECT p.id, p.run_id, p.kind, p.thread_id, t.name AS thread_name, m.sender_name, \
                    p.excerpt, p.answer, \
                    (SELECT CASE WHEN count(*) = 0 THEN NULL \
                                 WHEN count(*) > count(x.for_thread_id) THEN 'always' \
                                 ELSE 'contact' END \
                     FROM excluded_precedents x \
                     WHERE (x.thread_id = p.thread_id OR x.draft_id = p.draft_id \
                            OR x.message_id = p.message_id) \
                       AND (x.for_thread_id IS NULL OR x.for_thread_id = r.thread_id)) AS excluded \
             FROM run_precedents p \
             JOIN agent_runs r ON r.id = p.run_id \
             JOIN threads rt ON rt.id = r.thread_id \
             JOIN threads t ON t.id = p.thread_id \
             LEFT JOIN messages m ON m.id = p.message_id \
             WHERE p.run_id IN (SELECT json_array_elements_text($1::json)::bigint) \
               AND rt.user_id = $2 \
             ORDER BY p.run_id, p.position"
        }
    };
    on!(exec, |c| sqlx::query_as(sql)
        .bind(&ids)
        .bind(user_id)
        .fetch_all(c)
        .await)
}

/// Whether precedent `id` is one of the user's (a run of one of their threads met it).
pub async fn is_users(
    exec: Exec<'_>,
    user_id: UserId,
    id: PrecedentId,
) -> Result<bool, sqlx::Error> {
    let found: i64 = on!(exec, |c| sqlx::query_scalar(
        "SELECT count(*) FROM run_precedents p \
         JOIN agent_runs r ON r.id = p.run_id \
         JOIN threads rt ON rt.id = r.thread_id \
         WHERE p.id = $1 AND rt.user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(c)
    .await)?;
    Ok(found > 0)
}

/// Excludes the user's precedent `id` from the agent's look-ups: for good, or for the
/// runs of the thread whose run met it. An approved reply or a message is excluded
/// itself; a conversation read in full, as a whole. Returns whether it was newly
/// excluded (false if it already was in that scope, or is not the user's).
pub async fn exclude(
    exec: Exec<'_>,
    user_id: UserId,
    id: PrecedentId,
    scope: Scope,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let added = on!(exec, |c| {
        sqlx::query(
        "INSERT INTO excluded_precedents (user_id, for_thread_id, draft_id, message_id, thread_id, \
                                          created_at) \
         SELECT rt.user_id, CASE WHEN $3 = 'contact' THEN r.thread_id END, p.draft_id, \
                p.message_id, CASE WHEN p.kind = 'thread' THEN p.thread_id END, CAST($4 AS TEXT) \
         FROM run_precedents p \
         JOIN agent_runs r ON r.id = p.run_id \
         JOIN threads rt ON rt.id = r.thread_id \
         WHERE p.id = $1 AND rt.user_id = $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(scope)
    .bind(now)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(added == 1)
}

/// What taking back "Don't use this again" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Included {
    /// How many exclusions were taken back.
    pub exclusions: usize,
    /// Whether one of them was of the precedent's whole conversation, which the rest of
    /// that conversation is free to be used again with.
    pub conversation: bool,
}

/// Takes back every exclusion that keeps the user's precedent `id` out of the runs of the
/// thread whose run met it (for that contact or for good, of it or of its conversation).
pub async fn include(
    exec: Exec<'_>,
    user_id: UserId,
    id: PrecedentId,
) -> Result<Included, sqlx::Error> {
    let removed: Vec<Option<ThreadId>> = on!(exec, |c| sqlx::query_scalar(
        "DELETE FROM excluded_precedents WHERE user_id = $2 AND id IN ( \
           SELECT x.id FROM run_precedents p \
           JOIN agent_runs r ON r.id = p.run_id \
           JOIN excluded_precedents x \
             ON x.draft_id = p.draft_id OR x.message_id = p.message_id \
                OR x.thread_id = p.thread_id \
           WHERE p.id = $1 AND (x.for_thread_id IS NULL OR x.for_thread_id = r.thread_id)) \
         RETURNING thread_id",
    )
    .bind(id)
    .bind(user_id)
    .fetch_all(c)
    .await)?;
    Ok(Included {
        exclusions: removed.len(),
        conversation: removed.iter().any(Option::is_some),
    })
}

/// Whether the user asked that conversation `thread_id` not be used again, for good or
/// in the runs of `for_thread`.
pub async fn thread_excluded(
    exec: Exec<'_>,
    user_id: UserId,
    thread_id: ThreadId,
    for_thread: ThreadId,
) -> Result<bool, sqlx::Error> {
    let found: i64 = on!(exec, |c| sqlx::query_scalar(
        "SELECT count(*) FROM excluded_precedents \
         WHERE user_id = $1 AND thread_id = $2 \
           AND (for_thread_id IS NULL OR for_thread_id = $3)",
    )
    .bind(user_id)
    .bind(thread_id)
    .bind(for_thread)
    .fetch_one(c)
    .await)?;
    Ok(found > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precedent_met_twice_the_same_way_is_listed_once() {
        let reply = ApprovedExample {
            draft_id: DraftId::new(4),
            thread_id: ThreadId::new(2),
            thread_name: "Bob".to_owned(),
            text: "Tuesday works.".to_owned(),
        };
        let mut list = Vec::new();
        note(&mut list, NewPrecedent::approved(&reply));
        note(&mut list, NewPrecedent::approved(&reply));
        note(&mut list, NewPrecedent::example(&reply));
        assert_eq!(list.len(), 2, "found by search and shown as an example");
        assert_eq!(list[0].kind, PrecedentKind::Approved);
        assert_eq!(list[1].kind, PrecedentKind::Example);
    }

    #[test]
    fn excerpts_are_clipped_on_a_character_boundary() {
        assert_eq!(excerpt("  short  "), "short");
        let long = "é".repeat(EXCERPT_CHARS + 10);
        let clipped = excerpt(&long);
        assert_eq!(clipped.chars().count(), EXCERPT_CHARS + 1);
        assert!(clipped.ends_with('\u{2026}'));
    }
}
