//! First-run setup, sign-in and sign-out.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf::{CsrfForm, NoFields};
use super::form_token::FormToken;
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    Layout, Notice, PageError, SESSION_CSRF, SESSION_USER, safe_next, see_other, set_notice,
    visitor_layout,
};
use crate::accounts;
use crate::db::{self, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// The client's address: the peer, or whom a trusted proxy names in X-Forwarded-For
/// (unspecified when the server runs without connection info).
pub struct ClientIp(IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        Ok(Self(
            state.config.trusted_proxies.client(peer, &parts.headers),
        ))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    name: String,
    next: String,
    error: Option<String>,
    no_users: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    let no_users = db::users::count(state.db.read()).await? == 0;
    let page = LoginPage {
        layout: signed_out_layout(&session, &state, &form_token, "Sign in").await?,
        name: String::new(),
        next: safe_next(query.next.as_deref()).to_owned(),
        error: None,
        no_users,
    };
    Ok(form_token.attach(page.into_response()))
}

/// The frame of a page for a visitor who is not signed in: its forms carry the
/// session-less form token.
async fn signed_out_layout(
    session: &Session,
    state: &AppState,
    form_token: &FormToken,
    title: &str,
) -> Result<Layout, PageError> {
    let mut layout = visitor_layout(session, state, title).await?;
    layout.csrf = form_token.value();
    Ok(layout)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    form_token: FormToken,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    form_token.check(&form.csrf)?;
    let next = safe_next(form.next.as_deref()).to_owned();
    let again = |error: String, status: StatusCode| LoginAgain {
        name: form.name.clone(),
        next: next.clone(),
        error,
        status,
    };
    if let Some(seconds) = state.login_limiter.wait(&form.name, ip).await? {
        let message = format!("Too many failed sign-ins. Try again in {seconds} seconds.");
        let mut response = again(message, StatusCode::TOO_MANY_REQUESTS)
            .render(&state, &session, &form_token)
            .await?;
        if let Ok(value) = seconds.to_string().parse() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let checked = accounts::check_password(&state.db, &state.hasher, &form.name, &form.password)
        .await
        .map_err(AppError::from)?;
    let Some(user) = checked else {
        state.login_limiter.failed(&form.name, ip).await?;
        return again(
            "That name and password do not match an account.".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .render(&state, &session, &form_token)
        .await;
    };
    state.login_limiter.succeeded(&form.name).await?;
    sign_in(&session, user.id).await?;
    Ok(see_other(&next))
}

/// The sign-in form shown again with what was typed and why it failed.
struct LoginAgain {
    name: String,
    next: String,
    error: String,
    status: StatusCode,
}

impl LoginAgain {
    async fn render(
        self,
        state: &AppState,
        session: &Session,
        form_token: &FormToken,
    ) -> Result<Response, PageError> {
        let page = LoginPage {
            layout: signed_out_layout(session, state, form_token, "Sign in").await?,
            name: self.name,
            next: self.next,
            error: Some(self.error),
            no_users: false,
        };
        Ok((self.status, page).into_response())
    }
}

/// Starts a signed-in session under a new id (no session fixation) with a new CSRF
/// token (a token seen before sign-in is worth nothing after it).
async fn sign_in(session: &Session, user_id: UserId) -> Result<(), PageError> {
    session
        .cycle_id()
        .await
        .map_err(|e| PageError::internal(&e))?;
    session
        .remove::<String>(SESSION_CSRF)
        .await
        .map_err(|e| PageError::internal(&e))?;
    session
        .insert(SESSION_USER, user_id)
        .await
        .map_err(|e| PageError::internal(&e))?;
    // Seen today already: the first page after signing in need not save it again.
    super::keep_alive(session, chrono::Utc::now().date_naive()).await
}

pub async fn logout(
    session: Session,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    session.flush().await.map_err(|e| PageError::internal(&e))?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    name: String,
    display_name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

pub async fn setup_form(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Query(query): Query<SetupQuery>,
) -> Result<Response, PageError> {
    let token = query.token.unwrap_or_default();
    if !accounts::setup::matches(&state.db, &token).await?
        || db::users::count(state.db.read()).await? > 0
    {
        return Err(setup_closed());
    }
    let page = SetupPage {
        layout: signed_out_layout(&session, &state, &form_token, "Set up draftdesk").await?,
        token,
        name: String::new(),
        display_name: String::new(),
        error: None,
    };
    Ok(form_token.attach(page.into_response()))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    token: String,
    name: String,
    display_name: String,
    password: String,
    password_again: String,
}

pub async fn setup(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    form_token.check(&form.csrf)?;
    if !accounts::setup::matches(&state.db, &form.token).await?
        || db::users::count(state.db.read()).await? > 0
    {
        return Err(setup_closed());
    }
    let problem = if form.password != form.password_again {
        Some("The two passwords differ.".to_owned())
    } else {
        None
    };
    let created = match problem {
        Some(problem) => Err(problem),
        None => match accounts::add_first_user(
            &state.db,
            &state.hasher,
            &form.name,
            Some(&form.display_name),
            &form.password,
        )
        .await
        {
            Ok(created) => Ok(created),
            // What the person typed is shown with the reason; a failure of ours is
            // logged and shown as the error page, never as raw text in the form.
            Err(error) if error.is_input() => Err(format!("{}.", capitalise(&error.to_string()))),
            Err(error) => return Err(AppError::from(error).into()),
        },
    };
    match created {
        // Another setup request created the first account meanwhile.
        Ok(None) => Err(setup_closed()),
        // Creating it removed the setup token.
        Ok(Some(user)) => {
            sign_in(&session, user.id).await?;
            let welcome = Notice {
                text: format!(
                    "Welcome, {}. Paste a conversation to get your first draft.",
                    user.display_name
                ),
                failed: false,
                undo_reject: None,
            };
            set_notice(&session, welcome).await?;
            Ok(Redirect::to("/").into_response())
        }
        Err(error) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            SetupPage {
                layout: signed_out_layout(&session, &state, &form_token, "Set up draftdesk")
                    .await?,
                token: form.token,
                name: form.name,
                display_name: form.display_name,
                error: Some(error),
            },
        )
            .into_response()),
    }
}

fn setup_closed() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "This setup link is not valid: it was already used, or draftdesk already has an \
         account. Sign in instead, or create users with `draftdesk user add`.",
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
