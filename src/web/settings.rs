//! Settings: the names the user appears under, their style notes (with the notes that
//! edits suggest), their API tokens and the other ids integrations call them by. The
//! notes' own forms are handled in `notes.rs`; this file renders the page for both.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::{CsrfForm, NoFields};
use super::{Layout, PageError, PageUser};
use crate::auth;
use crate::db::aliases::Alias;
use crate::db::threads::ThreadChoice;
use crate::db::tokens::TokenInfo;
use crate::db::{self, AliasId, NoteId, ThreadId, Timestamp, TokenId};
use crate::limits::{self, MAX_NOTE};
use crate::notes::{self, NoteView, Overview, ProposalView};
use crate::state::AppState;

const SESSION_NEW_TOKEN: &str = "new_token";

/// How many threads the "add a note" form offers as contacts (the most recent ones).
const THREAD_CHOICES: i64 = 500;

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    user_id: String,
    names: String,
    notes: Overview,
    proposals: Vec<ProposalView>,
    threads: Vec<ThreadChoice>,
    /// A note form sent back with what was typed in it (a refused save).
    note_form: Option<NoteForm>,
    /// Why the note form was refused.
    note_error: Option<String>,
    tokens: Vec<TokenInfo>,
    aliases: Vec<Alias>,
    new_token: Option<String>,
    error: Option<String>,
}

/// A note form as the user filled it in.
#[derive(Debug, Clone)]
pub(super) struct NoteForm {
    /// The note whose edit box it was (its current version), or `None` for "add a note".
    pub edit: Option<NoteId>,
    pub text: String,
    /// "Add a note" only: the contact chosen, or `None` for "always".
    pub thread: Option<ThreadId>,
}

impl SettingsPage {
    const MAX_NOTE: usize = MAX_NOTE;

    /// Whether the edit box of `note` holds text sent back to the user.
    fn editing(&self, note: &NoteView) -> bool {
        self.note_form
            .as_ref()
            .is_some_and(|f| f.edit == Some(note.current.id))
    }

    /// What the edit box of `note` holds.
    fn edit_text<'a>(&'a self, note: &'a NoteView) -> &'a str {
        match &self.note_form {
            Some(form) if form.edit == Some(note.current.id) => &form.text,
            _ => &note.current.text,
        }
    }

    /// What "add a note" holds.
    fn add_text(&self) -> &str {
        match &self.note_form {
            Some(form) if form.edit.is_none() => &form.text,
            _ => "",
        }
    }

    fn add_thread_chosen(&self, id: &ThreadId) -> bool {
        self.note_form
            .as_ref()
            .is_some_and(|f| f.edit.is_none() && f.thread == Some(*id))
    }
}

/// What a refused form sends back to the page, and with which status.
pub(super) struct Shown {
    pub names: Option<String>,
    pub note_form: Option<NoteForm>,
    pub note_error: Option<String>,
    pub error: Option<String>,
    pub status: StatusCode,
}

impl Shown {
    /// The note section's form again, with why it was not saved.
    pub(super) fn note(form: NoteForm, error: String, status: StatusCode) -> Self {
        Self {
            names: None,
            note_form: Some(form),
            note_error: Some(error),
            error: None,
            status,
        }
    }
}

pub async fn show(State(state): State<AppState>, user: PageUser) -> Result<Response, PageError> {
    let new_token: Option<String> = user.take_once(SESSION_NEW_TOKEN).await?;
    let shown = Shown {
        names: None,
        note_form: None,
        note_error: None,
        error: None,
        status: StatusCode::OK,
    };
    render(&state, &user, shown, new_token).await
}

/// The settings page, with what a refused form sent back.
pub(super) async fn render(
    state: &AppState,
    user: &PageUser,
    shown: Shown,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let page = SettingsPage {
        layout: user.layout(state, "Settings").await?,
        user_id: user.user.name.clone(),
        names: shown.names.unwrap_or_else(|| user.user.my_names.join("\n")),
        notes: notes::overview(db, user.user.id).await?,
        proposals: notes::proposals(db, user.user.id).await?,
        threads: db::threads::choices(db.read(), user.user.id, THREAD_CHOICES).await?,
        note_form: shown.note_form,
        note_error: shown.note_error,
        tokens: db::tokens::list(db.read(), user.user.id).await?,
        aliases: db::aliases::list(db.read(), user.user.id).await?,
        new_token,
        error: shown.error,
    };
    Ok((shown.status, page).into_response())
}

#[derive(Deserialize)]
pub struct ProfileForm {
    names: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let names = limits::my_names(&form.names);
    if names.is_empty() {
        let shown = Shown {
            names: Some(form.names),
            note_form: None,
            note_error: None,
            error: Some("Give at least one name you appear under in conversations.".to_owned()),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return render(&state, &user, shown, None).await;
    }
    db::users::set_names(state.db.write(), user.user.id, &names).await?;
    user.notice("Saved.").await?;
    Ok(Redirect::to("/settings").into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    label: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    let label: String = form.label.trim().chars().take(100).collect();
    let token = auth::generate_token();
    db::tokens::insert(
        state.db.write(),
        user.user.id,
        &label,
        &token.hash,
        &token.prefix,
    )
    .await?;
    user.session
        .insert(SESSION_NEW_TOKEN, token.secret)
        .await
        .map_err(|e| PageError::internal(&e))?;
    Ok(Redirect::to("/settings").into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let id: TokenId = id.parse().map_err(|_| PageError::not_found())?;
    if !db::tokens::revoke(state.db.write(), id, Some(user.user.id), Timestamp::now()).await? {
        return Err(PageError::not_found());
    }
    user.notice("Token revoked. Clients using it are refused from now on.")
        .await?;
    Ok(Redirect::to("/settings").into_response())
}

/// `POST /settings/aliases/{id}/remove`: an integration calling the account by this id
/// is refused from now on.
pub async fn remove_alias(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    set_alias_removed(&state, &user, &id, true).await
}

/// `POST /settings/aliases/{id}/restore`: the id is accepted again.
pub async fn restore_alias(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    set_alias_removed(&state, &user, &id, false).await
}

async fn set_alias_removed(
    state: &AppState,
    user: &PageUser,
    id: &str,
    remove: bool,
) -> Result<Response, PageError> {
    let id: AliasId = id.parse().map_err(|_| PageError::not_found())?;
    let removed_at = remove.then(Timestamp::now);
    if !db::aliases::set_removed(state.db.write(), user.user.id, id, removed_at).await? {
        return Err(PageError::not_found());
    }
    user.notice(if remove {
        "Alias removed. Requests that call your account by it are refused from now on."
    } else {
        "Alias restored."
    })
    .await?;
    Ok(Redirect::to("/settings#aliases-heading").into_response())
}
