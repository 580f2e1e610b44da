//! The style notes' forms on the settings page (add, edit, retire, restore) and the
//! answers to a note proposed from edits (accept, dismiss), on the dashboard and in
//! Settings. The work is `crate::notes`; this maps its refusals to what a page says.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::settings::{NoteForm, Shown, render};
use super::{PageError, PageUser, safe_next};
use crate::db::{NoteId, ProposalId, ThreadId};
use crate::notes::{self, NoteError};
use crate::state::AppState;

/// Where Settings shows the notes.
const NOTES: &str = "/settings#notes-heading";

#[derive(Deserialize)]
pub struct AddForm {
    text: String,
    /// A thread id for "this contact only"; empty for "always".
    #[serde(default)]
    thread: String,
}

/// `POST /settings/notes`: a new note, "always" or for one contact.
pub async fn add(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, PageError> {
    let thread = match form.thread.trim() {
        "" => None,
        id => Some(id.parse::<ThreadId>().map_err(|_| PageError::not_found())?),
    };
    let typed = NoteForm {
        edit: None,
        text: form.text,
        thread,
    };
    match notes::add(&state.db, &user.user, thread, &typed.text).await {
        Ok(note) => {
            user.notice(if note.thread_id.is_some() {
                "Note added for this contact's drafts."
            } else {
                "Note added for every draft."
            })
            .await?;
            Ok(Redirect::to(NOTES).into_response())
        }
        Err(error) => refuse(&state, &user, error, typed).await,
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    text: String,
}

/// `POST /settings/notes/{id}/edit`: a new version of the note whose current version is
/// `id`; refused if `id` is no longer current (edited or retired meanwhile).
pub async fn edit(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, PageError> {
    let id = note_id(&id)?;
    let typed = NoteForm {
        edit: Some(id),
        text: form.text,
        thread: None,
    };
    match notes::edit(&state.db, &user.user, id, &typed.text).await {
        Ok(_) => {
            user.notice("Note saved. The earlier wording is kept in its history.")
                .await?;
            Ok(Redirect::to(NOTES).into_response())
        }
        Err(error) => refuse(&state, &user, error, typed).await,
    }
}

/// `POST /settings/notes/{id}/retire`: the note is given to no run from now on. From
/// Settings, or from a draft's "Based on" ("Don't use this again"), which says where to
/// come back to.
pub async fn retire(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<Response, PageError> {
    let outcome = notes::retire(&state.db, &user.user, note_id(&id)?).await;
    let done = "Note retired: no draft is given it from now on. You can restore it.";
    settle(&user, outcome.map(|()| done), form.back_or(NOTES)).await
}

/// `POST /settings/notes/{id}/restore`: a retired note is in force again.
pub async fn restore(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<Response, PageError> {
    let outcome = notes::restore(&state.db, &user.user, note_id(&id)?).await;
    settle(
        &user,
        outcome.map(|()| "Note restored."),
        form.back_or(NOTES),
    )
    .await
}

/// A form that only says where to come back to.
#[derive(Deserialize)]
pub struct ReturnForm {
    return_to: Option<String>,
}

impl ReturnForm {
    /// The page the form came from, if it said (and it is ours), else `default`.
    fn back_or<'a>(&'a self, default: &'a str) -> &'a str {
        match self.return_to.as_deref().map(str::trim) {
            Some(back) if !back.is_empty() => safe_next(Some(back)),
            _ => default,
        }
    }
}

/// `POST /notes/proposals/{id}/accept`: the proposed note becomes an "always" note.
pub async fn accept_proposal(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<Response, PageError> {
    let id = proposal_id(&id)?;
    let outcome = notes::accept_proposal(&state.db, &user.user, id).await;
    settle(
        &user,
        outcome.map(|note| {
            format!(
                "Added the note \u{201c}{}\u{201d} for every draft. Edit or retire it in Settings.",
                note.text
            )
        }),
        form.back_or("/"),
    )
    .await
}

/// `POST /notes/proposals/{id}/dismiss`: not proposed again unless the edits recur.
pub async fn dismiss_proposal(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<Response, PageError> {
    let id = proposal_id(&id)?;
    let outcome = notes::dismiss_proposal(&state.db, &user.user, id).await;
    settle(
        &user,
        outcome
            .map(|()| "Dismissed. It is suggested again only if your edits keep doing the same."),
        form.back_or("/"),
    )
    .await
}

fn note_id(id: &str) -> Result<NoteId, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

fn proposal_id(id: &str) -> Result<ProposalId, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

/// Redirects to `back` with a notice saying what was done, or why not.
async fn settle<T: Into<String>>(
    user: &PageUser,
    outcome: Result<T, NoteError>,
    back: &str,
) -> Result<Response, PageError> {
    match outcome {
        Ok(done) => user.notice(done).await?,
        Err(NoteError::NotFound) => return Err(PageError::not_found()),
        Err(NoteError::Database(error)) => return Err(error.into()),
        Err(NoteError::Changed { current }) => {
            let now = match current {
                Some(c) if c.retired_at.is_none() => {
                    format!("it now reads \u{201c}{}\u{201d}", c.text)
                }
                _ => "it is retired now".to_owned(),
            };
            user.alert(format!(
                "Not done: this note was edited meanwhile, and {now}. Look at it again in Settings."
            ))
            .await?;
        }
        Err(error) => user.alert(format!("Not done: {error}.")).await?,
    }
    Ok(Redirect::to(back).into_response())
}

/// The settings page again with what was typed, saying why it was not saved. A note
/// changed meanwhile gets the typed text in its edit box as it is now (or in "add a
/// note" if it was retired), so that nothing typed is lost.
async fn refuse(
    state: &AppState,
    user: &PageUser,
    error: NoteError,
    typed: NoteForm,
) -> Result<Response, PageError> {
    let (form, message, status) = match error {
        NoteError::NotFound => return Err(PageError::not_found()),
        NoteError::Database(error) => return Err(error.into()),
        NoteError::Changed { current } => match current {
            Some(now) if now.retired_at.is_none() => (
                NoteForm {
                    edit: Some(now.id),
                    ..typed
                },
                format!(
                    "Not saved: this note was edited while you wrote, and now reads \
                     \u{201c}{}\u{201d}. Your text is kept in its edit box below; save it \
                     again to replace the note as it is now.",
                    now.text
                ),
                StatusCode::CONFLICT,
            ),
            _ => (
                NoteForm {
                    edit: None,
                    thread: None,
                    ..typed
                },
                "Not saved: this note was retired while you wrote. Your text is kept in \
                 \u{201c}Add a note\u{201d} below, to add it as a new note."
                    .to_owned(),
                StatusCode::CONFLICT,
            ),
        },
        error => (
            typed,
            format!("Not saved: {error}."),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    render(state, user, Shown::note(form, message, status), None).await
}
