//! Style notes: what the agent is told about how the user writes, as a reviewable,
//! versioned list. A note is "always" (every draft) or for one contact (the drafts of
//! one thread). Notes come from Settings, from feedback with the reach the reviewer
//! chose (or the model's guess), and from proposals that repeated edits make
//! ([`edits`]). Editing keeps the old version; retiring takes a note out of force;
//! restoring puts it back.
//!
//! This module uses only `db`; the pages, the review flow and the revise job use it.

pub mod edits;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::db::note_proposals::{self, Proposal, ProposalState};
use crate::db::style_notes::{self, ListedNote, NewNote, Source, StyleNote};
use crate::db::users::User;
use crate::db::{self, Db, DraftId, Exec, NoteId, ProposalId, ThreadId, Timestamp, UserId};
use crate::limits::MAX_NOTE;

/// How far a piece of feedback reaches beyond the revision it asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// This draft only: the revision, and no note.
    Draft,
    /// A note for this contact: given to the agent only in this thread.
    Contact,
    /// A note for every draft.
    Always,
    /// The model decides whether the feedback is lasting; if so, it becomes an "always"
    /// note.
    #[default]
    Auto,
}

impl Reach {
    /// The values the API and the form take.
    pub const VALUES: &'static str = "draft, contact, always or auto";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Contact => "contact",
            Self::Always => "always",
            Self::Auto => "auto",
        }
    }
}

/// A reach that is none of [`Reach::VALUES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reach must be one of {values}, not '{0}'", values = Reach::VALUES)]
pub struct UnknownReach(pub String);

impl FromStr for Reach {
    type Err = UnknownReach;

    /// Absent or blank is the default, "let draftdesk decide".
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "" | "auto" => Ok(Self::Auto),
            "draft" => Ok(Self::Draft),
            "contact" => Ok(Self::Contact),
            "always" => Ok(Self::Always),
            other => Err(UnknownReach(other.to_owned())),
        }
    }
}

/// Where a note applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Always,
    ThisContact,
}

/// A note that feedback yields, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    pub scope: Scope,
    pub source: Source,
    pub text: String,
}

/// How long a note made from feedback itself (when the model gave no instruction) may be.
const FEEDBACK_NOTE_CHARS: usize = 200;

/// The note that a piece of feedback with this reach yields, given what the model made
/// of it (`distilled`: one short instruction, or nothing). "This draft only" yields none;
/// "let draftdesk decide" yields an "always" note only when the model found a lasting
/// preference; "this contact" and "always" always yield one, the feedback itself (on one
/// line, clipped) when the model gave no instruction.
pub fn from_feedback(reach: Reach, feedback: &str, distilled: Option<String>) -> Option<Learned> {
    let distilled = distilled
        .map(|note| one_line(&note, MAX_NOTE))
        .filter(|n| !n.is_empty());
    let (scope, source) = match reach {
        Reach::Draft => return None,
        Reach::Auto => {
            return distilled.map(|text| Learned {
                scope: Scope::Always,
                source: Source::Learned,
                text,
            });
        }
        Reach::Contact => (Scope::ThisContact, Source::Feedback),
        Reach::Always => (Scope::Always, Source::Feedback),
    };
    let text = distilled.unwrap_or_else(|| one_line(feedback, FEEDBACK_NOTE_CHARS));
    (!text.is_empty()).then_some(Learned {
        scope,
        source,
        text,
    })
}

/// The text on one line, at most `max` characters (with "…" when clipped).
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut clipped: String = flat.chars().take(max.saturating_sub(1)).collect();
    clipped.truncate(clipped.trim_end().len());
    clipped.push('\u{2026}');
    clipped
}

/// Stores a note learned from feedback on `draft_id` in `thread_id`, unless a note in
/// force in the same place says the same already. Runs in the revision's transaction.
pub async fn keep_learned(
    exec: Exec<'_>,
    user_id: UserId,
    thread_id: ThreadId,
    draft_id: DraftId,
    feedback: &str,
    learned: &Learned,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let note = NewNote {
        user_id,
        thread_id: (learned.scope == Scope::ThisContact).then_some(thread_id),
        text: &learned.text,
        source: learned.source,
        feedback: Some(feedback),
        draft_id: Some(draft_id),
    };
    style_notes::insert_unless_said(exec, &note, now).await?;
    Ok(())
}

/// Why a change to the notes was not made.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("no such note")]
    NotFound,
    #[error("the note is empty")]
    Empty,
    #[error("a note must be at most {MAX_NOTE} characters")]
    TooLong,
    #[error("a note in force already says that")]
    AlreadySaid,
    /// The version acted on is no longer the current one: it was edited or retired
    /// meanwhile. `current` is the note as it is now.
    #[error("the note changed meanwhile")]
    Changed { current: Option<Box<StyleNote>> },
    #[error("that suggestion was already accepted or dismissed")]
    Decided,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A note's text as typed, checked.
fn checked(text: &str) -> Result<&str, NoteError> {
    let text = text.trim();
    if text.is_empty() {
        Err(NoteError::Empty)
    } else if text.chars().count() > MAX_NOTE {
        Err(NoteError::TooLong)
    } else {
        Ok(text)
    }
}

/// Adds a note from Settings: "always", or for one of the user's threads.
pub async fn add(
    db: &Db,
    user: &User,
    thread_id: Option<ThreadId>,
    text: &str,
) -> Result<StyleNote, NoteError> {
    let text = checked(text)?;
    if let Some(thread_id) = thread_id
        && db::threads::find(db.read(), user.id, thread_id)
            .await?
            .is_none()
    {
        return Err(NoteError::NotFound);
    }
    let note = NewNote {
        user_id: user.id,
        thread_id,
        text,
        source: Source::Settings,
        feedback: None,
        draft_id: None,
    };
    style_notes::insert_unless_said(db.write(), &note, Timestamp::now())
        .await?
        .ok_or(NoteError::AlreadySaid)
}

/// Edits a note: a new version replaces `id`, which is kept, retired, as history. Refused
/// with [`NoteError::Changed`] when `id` is no longer the version in force (someone
/// edited or retired the note since the page was shown); nothing is written then.
pub async fn edit(db: &Db, user: &User, id: NoteId, text: &str) -> Result<StyleNote, NoteError> {
    let text = checked(text)?;
    let shown = style_notes::find(db.read(), user.id, id)
        .await?
        .ok_or(NoteError::NotFound)?;
    if shown.retired_at.is_none() && shown.text == text {
        return Ok(shown);
    }
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    if !style_notes::retire(tx.exec(), user.id, id, now).await? {
        tx.rollback().await?;
        return Err(changed(db, user.id, &shown).await);
    }
    let version = style_notes::insert_version(tx.exec(), user.id, id, text, now).await?;
    tx.commit().await?;
    Ok(version)
}

/// The refusal of an action on a version that is no longer in force, with the note as it
/// is now.
async fn changed(db: &Db, user_id: UserId, version: &StyleNote) -> NoteError {
    match style_notes::current_version(db.read(), user_id, version.origin()).await {
        Ok(current) => NoteError::Changed {
            current: current.map(Box::new),
        },
        Err(error) => NoteError::Database(error),
    }
}

/// Takes a note out of force; it stays listed, to restore. Retiring a retired note does
/// nothing; an edited one is refused with the note as it is now.
pub async fn retire(db: &Db, user: &User, id: NoteId) -> Result<(), NoteError> {
    let done = style_notes::retire(db.write(), user.id, id, Timestamp::now()).await?;
    done_or_already(db, user, id, done).await
}

/// Puts a retired note back in force. Restoring a note in force does nothing; an old
/// version (one that an edit replaced) is refused with the note as it is now.
pub async fn restore(db: &Db, user: &User, id: NoteId) -> Result<(), NoteError> {
    let done = style_notes::restore(db.write(), user.id, id).await?;
    done_or_already(db, user, id, done).await
}

/// After a retire or restore that changed nothing: fine if `id` is still the note's
/// current version (it was already so), else why not.
async fn done_or_already(db: &Db, user: &User, id: NoteId, done: bool) -> Result<(), NoteError> {
    if done {
        return Ok(());
    }
    let version = style_notes::find(db.read(), user.id, id)
        .await?
        .ok_or(NoteError::NotFound)?;
    match changed(db, user.id, &version).await {
        NoteError::Changed { current: Some(c) } if c.id == id => Ok(()),
        other => Err(other),
    }
}

/// A note as Settings shows it: its current version, where it applies, who or what
/// added it, and its earlier versions.
#[derive(Debug, Clone)]
pub struct NoteView {
    /// The current version, which the page's forms act on.
    pub current: StyleNote,
    /// The thread of a "this contact" note.
    pub thread_name: Option<String>,
    /// The first version: who or what added the note, from which feedback.
    pub first: StyleNote,
    /// The thread of the draft the feedback was given on.
    pub feedback_thread: Option<(ThreadId, String)>,
    /// Earlier versions, newest first.
    pub history: Vec<StyleNote>,
}

impl NoteView {
    /// Who or what added the note.
    pub fn added_by(&self) -> &'static str {
        source_label(&self.first.source)
    }

    /// The contact (thread) of a "this contact" note.
    pub fn contact(&self) -> Option<(ThreadId, &str)> {
        self.current
            .thread_id
            .map(|id| (id, self.thread_name.as_deref().unwrap_or_default()))
    }

    /// Whether the current version came from an edit.
    pub fn edited(&self) -> bool {
        self.current.id != self.first.id
    }
}

/// Who or what added a version, as the user reads it.
pub fn source_label(source: &Source) -> &'static str {
    match source {
        Source::Settings => "Added by you in Settings",
        Source::Feedback => "From your feedback",
        Source::Learned => "Learned from your feedback (draftdesk judged it lasting)",
        Source::Edits => "Proposed from your edits, accepted by you",
        Source::CarriedOver => "Carried over from your earlier style notes",
    }
}

/// The notes of one contact.
#[derive(Debug, Clone)]
pub struct ContactNotes {
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub notes: Vec<NoteView>,
}

/// Every note of the user, as Settings lists them.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// In force for every draft, oldest first.
    pub always: Vec<NoteView>,
    /// In force for one contact's drafts, by contact name.
    pub contacts: Vec<ContactNotes>,
    /// Retired, newest first.
    pub retired: Vec<NoteView>,
}

impl Overview {
    /// How many notes are in force.
    pub fn in_force(&self) -> usize {
        self.always.len() + self.contacts.iter().map(|c| c.notes.len()).sum::<usize>()
    }
}

/// The user's notes, grouped for Settings.
pub async fn overview(db: &Db, user_id: UserId) -> Result<Overview, sqlx::Error> {
    let versions = style_notes::list_for_user(db.read(), user_id).await?;
    Ok(group(versions))
}

/// Groups versions (oldest first) into notes.
fn group(versions: Vec<ListedNote>) -> Overview {
    let mut notes: Vec<(NoteId, Vec<ListedNote>)> = Vec::new();
    for version in versions {
        let origin = version.note.origin();
        match notes.iter_mut().find(|(id, _)| *id == origin) {
            Some((_, all)) => all.push(version),
            None => notes.push((origin, vec![version])),
        }
    }
    let mut overview = Overview::default();
    for (_, mut all) in notes {
        let Some(current) = all.pop() else { continue };
        let first = all.first().unwrap_or(&current);
        let view = NoteView {
            thread_name: current.thread_name.clone(),
            first: first.note.clone(),
            feedback_thread: first.draft_thread_id.zip(first.draft_thread_name.clone()),
            history: all.iter().rev().map(|v| v.note.clone()).collect(),
            current: current.note,
        };
        if view.current.retired_at.is_some() {
            overview.retired.push(view);
        } else if let Some(thread_id) = view.current.thread_id {
            let name = view.thread_name.clone().unwrap_or_default();
            match overview
                .contacts
                .iter_mut()
                .find(|c| c.thread_id == thread_id)
            {
                Some(contact) => contact.notes.push(view),
                None => overview.contacts.push(ContactNotes {
                    thread_id,
                    thread_name: name,
                    notes: vec![view],
                }),
            }
        } else {
            overview.always.push(view);
        }
    }
    overview
        .contacts
        .sort_by_key(|c| c.thread_name.to_lowercase());
    overview
        .retired
        .sort_by_key(|n| std::cmp::Reverse(n.current.retired_at));
    overview
}

/// A proposal as the dashboard and Settings show it.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub proposal: Proposal,
    /// Why it is proposed ("You removed the greeting in 3 of your last 10 edited
    /// approvals.").
    pub evidence: String,
}

/// The user's open proposals.
pub async fn proposals(db: &Db, user_id: UserId) -> Result<Vec<ProposalView>, sqlx::Error> {
    Ok(note_proposals::open(db.read(), user_id)
        .await?
        .into_iter()
        .map(|proposal| ProposalView {
            evidence: edits::evidence(&proposal),
            proposal,
        })
        .collect())
}

/// Accepts a proposal: its text becomes an "always" note, added from edits.
pub async fn accept_proposal(db: &Db, user: &User, id: ProposalId) -> Result<StyleNote, NoteError> {
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    let Some(proposal) = note_proposals::find_open(tx.exec(), user.id, id).await? else {
        tx.rollback().await?;
        return Err(not_open(db, user.id, id).await);
    };
    let note = NewNote {
        user_id: user.id,
        thread_id: None,
        text: &proposal.text,
        source: Source::Edits,
        feedback: None,
        draft_id: None,
    };
    let note = style_notes::insert(tx.exec(), &note, now).await?;
    if !note_proposals::decide(
        tx.exec(),
        user.id,
        id,
        ProposalState::Accepted,
        Some(note.id),
        now,
    )
    .await?
    {
        tx.rollback().await?;
        return Err(NoteError::Decided);
    }
    tx.commit().await?;
    Ok(note)
}

/// Dismisses a proposal: its kind is proposed again only if it recurs in newer edits.
pub async fn dismiss_proposal(db: &Db, user: &User, id: ProposalId) -> Result<(), NoteError> {
    let dismissed = note_proposals::decide(
        db.write(),
        user.id,
        id,
        ProposalState::Dismissed,
        None,
        Timestamp::now(),
    )
    .await?;
    if dismissed {
        Ok(())
    } else {
        Err(not_open(db, user.id, id).await)
    }
}

/// Why a proposal could not be decided: it is not the user's, or it was decided.
async fn not_open(db: &Db, user_id: UserId, id: ProposalId) -> NoteError {
    match note_proposals::exists(db.read(), user_id, id).await {
        Ok(true) => NoteError::Decided,
        Ok(false) => NoteError::NotFound,
        Err(error) => NoteError::Database(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_parse_from_the_form_and_the_api_and_nothing_else() {
        assert_eq!("".parse(), Ok(Reach::Auto));
        assert_eq!("auto".parse(), Ok(Reach::Auto));
        assert_eq!(" contact ".parse(), Ok(Reach::Contact));
        assert_eq!("always".parse(), Ok(Reach::Always));
        assert_eq!("draft".parse(), Ok(Reach::Draft));
        let error = "forever".parse::<Reach>().expect_err("not a reach");
        assert_eq!(
            error.to_string(),
            "reach must be one of draft, contact, always or auto, not 'forever'"
        );
    }

    #[test]
    fn this_draft_only_never_makes_a_note() {
        assert_eq!(
            from_feedback(Reach::Draft, "never use emojis", Some("No emojis.".into())),
            None
        );
    }

    #[test]
    fn letting_draftdesk_decide_keeps_only_what_the_model_found_lasting() {
        assert_eq!(from_feedback(Reach::Auto, "offer Tuesday", None), None);
        assert_eq!(
            from_feedback(Reach::Auto, "no emojis ever", Some(" No emojis. ".into())),
            Some(Learned {
                scope: Scope::Always,
                source: Source::Learned,
                text: "No emojis.".to_owned()
            })
        );
    }

    #[test]
    fn a_chosen_reach_keeps_the_instruction_or_else_the_feedback_clipped() {
        assert_eq!(
            from_feedback(
                Reach::Contact,
                "call him Herr Weber",
                Some("Address him as Herr Weber.".into())
            ),
            Some(Learned {
                scope: Scope::ThisContact,
                source: Source::Feedback,
                text: "Address him as Herr Weber.".to_owned()
            })
        );
        let long = format!("shorter\nplease, {}", "and more ".repeat(40));
        let learned = from_feedback(Reach::Always, &long, None).expect("a note");
        assert_eq!(learned.scope, Scope::Always);
        assert!(learned.text.starts_with("shorter please, and more"));
        assert_eq!(learned.text.chars().count(), FEEDBACK_NOTE_CHARS);
        assert!(learned.text.ends_with('\u{2026}'), "{}", learned.text);
        // The model declining to phrase it still keeps the reviewer's choice.
        assert_eq!(
            from_feedback(Reach::Always, "sign as J.", Some("   ".into())).map(|l| l.text),
            Some("sign as J.".to_owned())
        );
    }
}
