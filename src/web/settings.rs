//! Settings: the names the user appears under, their style notes, their API tokens.

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
use crate::db::tokens::TokenInfo;
use crate::db::{self, AliasId, Timestamp, TokenId};
use crate::limits::{self, MAX_STYLE_NOTES as MAX_NOTES};
use crate::state::AppState;

const SESSION_NEW_TOKEN: &str = "new_token";

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    user_id: String,
    names: String,
    style_notes: String,
    /// The notes as stored when the page was made; the form sends them back so that a
    /// save can tell the user's edit from a note learned meanwhile.
    style_notes_seen: String,
    /// Notes learned from feedback while the user edited theirs (a refused save).
    notes_meanwhile: Option<String>,
    tokens: Vec<TokenInfo>,
    aliases: Vec<Alias>,
    new_token: Option<String>,
    error: Option<String>,
}

pub async fn show(State(state): State<AppState>, user: PageUser) -> Result<Response, PageError> {
    let new_token: Option<String> = user
        .session
        .remove(SESSION_NEW_TOKEN)
        .await
        .map_err(|e| PageError::internal(&e))?;
    let form = Profile {
        names: user.user.my_names.join("\n"),
        style_notes: user.user.style_notes.clone(),
        style_notes_seen: user.user.style_notes.clone(),
        notes_meanwhile: None,
    };
    render(&state, &user, form, new_token, None, StatusCode::OK).await
}

/// The profile form's contents as shown.
struct Profile {
    names: String,
    style_notes: String,
    style_notes_seen: String,
    notes_meanwhile: Option<String>,
}

async fn render(
    state: &AppState,
    user: &PageUser,
    form: Profile,
    new_token: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = SettingsPage {
        layout: user.layout(state, "Settings").await?,
        user_id: user.user.name.clone(),
        names: form.names,
        style_notes: form.style_notes,
        style_notes_seen: form.style_notes_seen,
        notes_meanwhile: form.notes_meanwhile,
        tokens: db::tokens::list(state.db.read(), user.user.id).await?,
        aliases: db::aliases::list(state.db.read(), user.user.id).await?,
        new_token,
        error,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ProfileForm {
    names: String,
    style_notes: String,
    /// Absent in a form from an older page: the notes are then written as sent.
    style_notes_seen: Option<String>,
}

pub async fn save_profile(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let names = limits::my_names(&form.names);
    let error = if names.is_empty() {
        Some("Give at least one name you appear under in conversations.".to_owned())
    } else if form.style_notes.chars().count() > MAX_NOTES {
        Some(format!(
            "Style notes must be at most {MAX_NOTES} characters."
        ))
    } else {
        None
    };
    let seen = form
        .style_notes_seen
        .clone()
        .unwrap_or_else(|| user.user.style_notes.clone());
    if let Some(error) = error {
        let shown = Profile {
            names: form.names,
            style_notes: form.style_notes,
            style_notes_seen: seen,
            notes_meanwhile: None,
        };
        return render(
            &state,
            &user,
            shown,
            None,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Only what the user changed is written: notes left as they were shown stay as they
    // are now, with any note a revision learned meanwhile.
    let notes = form.style_notes.trim();
    let mut tx = state.db.begin().await?;
    db::users::set_names(tx.exec(), user.user.id, &names).await?;
    let edited = notes != seen.trim();
    if edited && !db::users::replace_style_notes(tx.exec(), user.user.id, &seen, notes).await? {
        tx.rollback().await?;
        let current = db::users::find(state.db.read(), user.user.id)
            .await?
            .map(|u| u.style_notes)
            .unwrap_or_default();
        let shown = Profile {
            names: form.names,
            style_notes: form.style_notes,
            style_notes_seen: current.clone(),
            notes_meanwhile: Some(current),
        };
        let error = "Your style notes changed while you edited them: a note was learned from \
                     feedback on a draft. Nothing was saved. The notes as they are now are \
                     shown below yours; merge them into your text and save again.";
        return render(
            &state,
            &user,
            shown,
            None,
            Some(error.to_owned()),
            StatusCode::CONFLICT,
        )
        .await;
    }
    tx.commit().await?;
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
