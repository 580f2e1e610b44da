//! "Based on": what a draft (or a "no reply needed" decision) rests on, folded on the
//! dashboard card and open on the thread page: the model, the decision's reason, and the
//! style notes its run was given, and the precedents it looked up and was shown, each
//! linking to its thread. Each has "Don't use this again": a precedent is excluded for
//! this contact or for good (the form posts here do and undo it), a note is retired
//! (through Settings' own form).

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::{PageError, PageUser, safe_next};
use crate::db::agent_runs;
use crate::db::precedents::{self, Precedent, PrecedentKind, Scope};
use crate::db::style_notes::{self, GivenNote};
use crate::db::{Db, PrecedentId, RunId, Timestamp, UserId};
use crate::state::AppState;

/// One run's panel.
#[derive(Debug)]
pub struct BasedOn {
    pub run_id: RunId,
    /// The model's name, or the offline drafter's.
    pub model: String,
    pub offline: bool,
    /// Why the run decided as it did, when it said.
    pub reason: Option<String>,
    /// Whether the run's notes and precedents were recorded (not for runs from before
    /// draftdesk kept them).
    pub recorded: bool,
    /// The style notes in force when the run started, as it was given them.
    pub notes: Vec<GivenNote>,
    pub precedents: Vec<Precedent>,
    /// The page its forms come back to (without the fragment).
    pub return_to: String,
}

impl BasedOn {
    /// Where a precedent's form comes back to: this page, at the precedent (inside a
    /// fold, the browser and `live.js` open it).
    pub fn back_to(&self, precedent: &Precedent) -> String {
        format!("{}#precedent-{}", self.return_to, precedent.id)
    }

    /// What the folded panel holds, for its summary line ("2 style notes, 3 from your
    /// other conversations"); `None` when it holds neither.
    pub fn counts(&self) -> Option<String> {
        let notes = match self.notes.len() {
            0 => None,
            1 => Some("1 style note".to_owned()),
            n => Some(format!("{n} style notes")),
        };
        let found = match self.precedents.len() {
            0 => None,
            n => Some(format!("{n} from your other conversations")),
        };
        match (notes, found) {
            (Some(a), Some(b)) => Some(format!("{a}, {b}")),
            (a, b) => a.or(b),
        }
    }

    /// Where a note's form comes back to: this page, at the note.
    pub fn back_to_note(&self, note: &GivenNote) -> String {
        format!("{}#{}", self.return_to, self.note_anchor(note))
    }

    /// The note's element id: a note can be in several panels of one page.
    pub fn note_anchor(&self, note: &GivenNote) -> String {
        format!("run-{}-note-{}", self.run_id, note.note.id)
    }
}

/// What a precedent is, before the name of its conversation ("An approved reply in").
pub fn kind_noun(kind: &PrecedentKind) -> &'static str {
    match kind {
        PrecedentKind::Approved | PrecedentKind::Example => "An approved reply in",
        PrecedentKind::Exchange => "A message in",
        PrecedentKind::Thread => "The conversation",
    }
}

/// How the run came to it, after the name of its conversation.
pub fn kind_how(kind: &PrecedentKind) -> &'static str {
    match kind {
        PrecedentKind::Approved | PrecedentKind::Exchange => "found by search",
        PrecedentKind::Example => "shown as an example of your voice",
        PrecedentKind::Thread => "read in full",
    }
}

/// A run as its panel needs it.
pub struct RunFacts {
    pub run_id: RunId,
    pub model: String,
    pub offline: bool,
    pub reason: Option<String>,
}

/// The panels of the user's runs, keyed by run, with their notes and their precedents
/// loaded in one query each; forms come back to `return_to`.
pub async fn panels(
    db: &Db,
    user_id: UserId,
    runs: Vec<RunFacts>,
    return_to: &str,
) -> Result<HashMap<RunId, BasedOn>, sqlx::Error> {
    let ids: Vec<RunId> = runs.iter().map(|r| r.run_id).collect();
    let mut by_run: HashMap<RunId, Vec<Precedent>> = HashMap::new();
    for precedent in precedents::for_runs(db.read(), user_id, &ids).await? {
        by_run.entry(precedent.run_id).or_default().push(precedent);
    }
    let unrecorded: HashSet<RunId> = agent_runs::unrecorded(db.read(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut notes_by_run: HashMap<RunId, Vec<GivenNote>> = HashMap::new();
    for note in style_notes::for_runs(db.read(), user_id, &ids).await? {
        notes_by_run.entry(note.run_id).or_default().push(note);
    }
    Ok(runs
        .into_iter()
        .map(|run| {
            let panel = BasedOn {
                run_id: run.run_id,
                model: run.model,
                offline: run.offline,
                reason: run.reason.filter(|r| !r.trim().is_empty()),
                recorded: !unrecorded.contains(&run.run_id),
                notes: notes_by_run.remove(&run.run_id).unwrap_or_default(),
                precedents: by_run.remove(&run.run_id).unwrap_or_default(),
                return_to: return_to.to_owned(),
            };
            (run.run_id, panel)
        })
        .collect())
}

#[derive(Deserialize)]
pub struct ExcludeForm {
    #[serde(default)]
    scope: String,
    return_to: Option<String>,
}

/// `POST /precedents/{id}/exclude`: "Don't use this again", for this contact (`scope=
/// contact`) or for good (`scope=always`).
pub async fn exclude(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ExcludeForm>,
) -> Result<Response, PageError> {
    let id = precedent_of(&state, &user, &id).await?;
    let scope: Scope = form.scope.parse().map_err(|_| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose whether not to use it again \u{201c}for this contact\u{201d} or \
             \u{201c}for good\u{201d}.",
        )
    })?;
    precedents::exclude(state.db.write(), user.user.id, id, scope, Timestamp::now()).await?;
    user.notice(match scope {
        Scope::Contact => "The agent will not use it again for this contact.",
        Scope::Always => "The agent will not use it again.",
    })
    .await?;
    Ok(Redirect::to(safe_next(form.return_to.as_deref())).into_response())
}

#[derive(Deserialize)]
pub struct IncludeForm {
    return_to: Option<String>,
}

/// `POST /precedents/{id}/include`: takes "Don't use this again" back.
pub async fn include(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<IncludeForm>,
) -> Result<Response, PageError> {
    let id = precedent_of(&state, &user, &id).await?;
    let included = precedents::include(state.db.write(), user.user.id, id).await?;
    user.notice(if included.conversation {
        "The agent may use it again, and the rest of its conversation too."
    } else {
        "The agent may use it again."
    })
    .await?;
    Ok(Redirect::to(safe_next(form.return_to.as_deref())).into_response())
}

/// The precedent the path names, if it is the user's (a 404 otherwise: another user's
/// precedent is as absent as one that does not exist).
async fn precedent_of(
    state: &AppState,
    user: &PageUser,
    id: &str,
) -> Result<PrecedentId, PageError> {
    let id: PrecedentId = id.parse().map_err(|_| PageError::not_found())?;
    if precedents::is_users(state.db.read(), user.user.id, id).await? {
        Ok(id)
    } else {
        Err(PageError::not_found())
    }
}

/// Whether the reviewer asked not to use it again at all.
pub fn excluded_for_good(precedent: &Precedent) -> bool {
    precedent.excluded == Some(Scope::Always)
}

/// Whether the reviewer asked not to use it again for this contact (and not for good).
pub fn excluded_for_contact(precedent: &Precedent) -> bool {
    precedent.excluded == Some(Scope::Contact)
}
