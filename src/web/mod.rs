//! The HTML pages: sign-in and setup, dashboard, threads, how it is going, settings.
//!
//! Pages use a session cookie (tower-sessions, SQLite store); every state-changing form
//! carries a CSRF token tied to the session. A successful form post answers `303 See
//! Other`; an invalid one re-renders the form with the message and the input (422).

mod assets;
mod auth;
mod based_on;
mod csrf;
mod dashboard;
mod drafts;
mod form_token;
mod notes;
mod settings;
mod stats;
mod threads;
mod trace;

pub use assets::asset;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use rand::RngCore;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::Session;

use crate::db::users::User;
use crate::db::{self, Db, Timestamp, UserId};
use crate::error::AppError;
use crate::state::AppState;

const SESSION_USER: &str = "user_id";
const SESSION_CSRF: &str = "csrf";
const SESSION_FLASH: &str = "flash";
/// The day (UTC) a signed-in session last showed a page. Its two weeks start again at
/// most once a day: saving the session on every page would rewrite its whole record, and
/// a page that began before a form's post could put back a copy without the post's notice.
const SESSION_SEEN: &str = "seen_on";
/// The header the dashboard's script sends when it fetches the page again to update it
/// live: such a copy leaves the one-time notice for the page a person goes to next.
pub const LIVE_REFRESH_HEADER: &str = "x-draftdesk-refresh";

/// The pages' routes, with their security headers.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(assets::serve))
        .route("/", get(dashboard::show))
        .route("/live/version", get(dashboard::version))
        .route("/setup", get(auth::setup_form).post(auth::setup))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/threads/new", get(threads::new_form).post(threads::create))
        .route("/threads/{id}", get(threads::show))
        .route("/drafts/{id}/approve", post(drafts::approve))
        .route("/drafts/{id}/reject", post(drafts::reject))
        .route("/drafts/{id}/undo-reject", post(drafts::undo_reject))
        .route("/drafts/{id}/feedback", post(drafts::feedback))
        .route("/jobs/{id}/retry", post(drafts::retry))
        .route("/threads/{id}/draft-anyway", post(drafts::draft_anyway))
        .route(
            "/threads/{id}/messages/{message}/remove",
            post(threads::remove_message),
        )
        .route("/runs/{id}/dismiss", post(drafts::dismiss_no_reply))
        .route("/stats", get(stats::show))
        .route("/stats.csv", get(stats::csv))
        .route("/precedents/{id}/exclude", post(based_on::exclude))
        .route("/precedents/{id}/include", post(based_on::include))
        .route("/settings", get(settings::show))
        .route("/settings/profile", post(settings::save_profile))
        .route("/settings/notes", post(notes::add))
        .route("/settings/notes/{id}/edit", post(notes::edit))
        .route("/settings/notes/{id}/retire", post(notes::retire))
        .route("/settings/notes/{id}/restore", post(notes::restore))
        .route("/notes/proposals/{id}/accept", post(notes::accept_proposal))
        .route(
            "/notes/proposals/{id}/dismiss",
            post(notes::dismiss_proposal),
        )
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .route(
            "/settings/aliases/{id}/remove",
            post(settings::remove_alias),
        )
        .route(
            "/settings/aliases/{id}/restore",
            post(settings::restore_alias),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// What every page's frame shows.
pub struct Layout {
    pub user: Option<String>,
    pub offline: bool,
    pub csrf: String,
    pub notice: Option<Notice>,
    pub title: String,
}

/// A one-time message for the next page: something was done (green), or was not done,
/// and why (red, an alert).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    pub text: String,
    #[serde(default)]
    pub failed: bool,
    /// A draft whose rejection the notice offers to undo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_reject: Option<String>,
}

/// A notice as a session holds it; sessions from before notices had a kind hold text.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredNotice {
    Notice(Notice),
    Plain(String),
}

/// The signed-in user of a page. Signed-out visitors are sent to the sign-in page.
pub struct PageUser {
    pub user: User,
    pub session: Session,
    /// The request is the live update's fetch of the page, not a visit.
    pub live_refresh: bool,
}

impl<S> FromRequestParts<S> for PageUser
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(status, message)| (status, message).into_response())?;
        let to_login = || {
            let next = if parts.method == axum::http::Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned()
            } else {
                // A form posted after the session ended: come back to the page it was
                // posted from (where the browser kept what was typed), not to the action.
                referring_page(parts).unwrap_or_else(|| "/".to_owned())
            };
            Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
        };
        let user_id: Option<UserId> = session
            .get(SESSION_USER)
            .await
            .map_err(|e| session_error(&e))?;
        let Some(user_id) = user_id else {
            return Err(to_login());
        };
        let db = Db::from_ref(state);
        match db::users::find(db.read(), user_id).await {
            Ok(Some(user)) => Ok(Self {
                user,
                session,
                live_refresh: parts.headers.contains_key(LIVE_REFRESH_HEADER),
            }),
            Ok(None) => Err(to_login()),
            Err(error) => Err(PageError::from(AppError::from(error)).into_response()),
        }
    }
}

impl PageUser {
    /// The frame of a page for this user; a visit takes the pending notice, if any.
    pub async fn layout(&self, state: &AppState, title: &str) -> Result<Layout, PageError> {
        keep_alive(&self.session, Utc::now().date_naive()).await?;
        let notice = self.take_once(SESSION_FLASH).await?;
        layout(
            &self.session,
            state,
            Some(self.user.display_name.clone()),
            title,
            notice,
        )
        .await
    }

    /// A value kept in the session for the next page a person visits (see [`take_once`]);
    /// the live update's fetch leaves it there.
    pub async fn take_once<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, PageError> {
        if self.live_refresh {
            return Ok(None);
        }
        take_once(&self.session, key).await
    }

    /// Checks a form's CSRF token against the session's.
    /// A one-time notice for the next page shown: something was done.
    pub async fn notice(&self, text: impl Into<String>) -> Result<(), PageError> {
        let notice = Notice {
            text: text.into(),
            failed: false,
            undo_reject: None,
        };
        set_notice(&self.session, notice).await
    }

    /// A one-time notice for the next page shown: something was not done, and why.
    pub async fn alert(&self, text: impl Into<String>) -> Result<(), PageError> {
        let notice = Notice {
            text: text.into(),
            failed: true,
            undo_reject: None,
        };
        set_notice(&self.session, notice).await
    }
}

/// The frame of a page, showing `notice` (taken from the session by the caller).
async fn layout(
    session: &Session,
    state: &AppState,
    user: Option<String>,
    title: &str,
    notice: Option<StoredNotice>,
) -> Result<Layout, PageError> {
    // Signed-out pages (sign-in, setup) carry the session-less form token instead, set by
    // their handlers: making a session token here would store a session per visit.
    let csrf = if user.is_some() {
        csrf_token(session).await?
    } else {
        String::new()
    };
    Ok(Layout {
        user,
        offline: state.jobs.agent().is_offline(),
        csrf,
        notice: notice.map(|stored| match stored {
            StoredNotice::Notice(notice) => notice,
            StoredNotice::Plain(text) => Notice {
                text,
                failed: false,
                undo_reject: None,
            },
        }),
        title: title.to_owned(),
    })
}

/// The frame of a page for a visitor who is not signed in (sign-in, setup), with the
/// pending notice.
pub async fn visitor_layout(
    session: &Session,
    state: &AppState,
    title: &str,
) -> Result<Layout, PageError> {
    let notice = take_once(session, SESSION_FLASH).await?;
    layout(session, state, None, title, notice).await
}

/// A value kept in the session for one page (a notice, a new API token), forgotten once
/// read. A session without one is left unchanged, so that the page does not save it again.
async fn take_once<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, PageError> {
    let pending: Option<T> = session
        .get(key)
        .await
        .map_err(|e| PageError::internal(&e))?;
    if pending.is_some() {
        session
            .remove_value(key)
            .await
            .map_err(|e| PageError::internal(&e))?;
    }
    Ok(pending)
}

/// Notes that the session showed a page `today`, which starts its two weeks again. A
/// session already seen today is left unchanged (tower-sessions marks a session changed
/// only when a value inserted differs).
pub(crate) async fn keep_alive(session: &Session, today: NaiveDate) -> Result<(), PageError> {
    session
        .insert(SESSION_SEEN, today.to_string())
        .await
        .map_err(|e| PageError::internal(&e))
}

pub async fn set_notice(session: &Session, notice: Notice) -> Result<(), PageError> {
    session
        .insert(SESSION_FLASH, notice)
        .await
        .map_err(|e| PageError::internal(&e))
}

/// The session's CSRF token, made on first use.
pub async fn csrf_token(session: &Session) -> Result<String, PageError> {
    if let Some(token) = session
        .get::<String>(SESSION_CSRF)
        .await
        .map_err(|e| PageError::internal(&e))?
    {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session
        .insert(SESSION_CSRF, &token)
        .await
        .map_err(|e| PageError::internal(&e))?;
    Ok(token)
}

/// Percent-encodes a `next=` target.
fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// How many rows a text box needs to show `text` without scrolling, within reason.
pub fn text_rows(text: &str) -> usize {
    let lines: usize = text.lines().map(|line| line.chars().count() / 70 + 1).sum();
    lines.clamp(3, 16)
}

/// The path (and query) of the page a request came from, when it is one of ours.
fn referring_page(parts: &Parts) -> Option<String> {
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)?
        .to_str()
        .ok()?;
    let uri: axum::http::Uri = referer.parse().ok()?;
    let host = parts.headers.get(axum::http::header::HOST)?.to_str().ok()?;
    if uri.authority().map(|a| a.as_str()) != Some(host) {
        return None;
    }
    let path = uri.path_and_query()?.as_str();
    (safe_next(Some(path)) == path).then(|| path.to_owned())
}

/// Only local paths are followed after sign-in (no open redirects): `/` followed by
/// something other than `/` or `\`, in printable ASCII without spaces, and no `\`
/// anywhere. Browsers drop tabs and newlines from URLs and read `\` as `/`, so
/// `/\t/host` would be `//host`; the paths draftdesk makes are percent-encoded and pass.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path[1..].starts_with(['/', '\\'])
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path
        }
        _ => "/",
    }
}

/// A `303 See Other` to a local path (from [`safe_next`]), or to `/` should it not make
/// a header value.
pub fn see_other(path: &str) -> Response {
    match HeaderValue::from_str(path) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => Redirect::to("/").into_response(),
    }
}

fn session_error(error: &tower_sessions::session::Error) -> Response {
    PageError::internal(error).into_response()
}

/// How a page request fails: a rendered error page with the right status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "There is nothing here, or it is not yours to see.",
        )
    }

    fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "a page failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side; it has been logged. Try again in a moment.",
        )
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        let status = error.status_code();
        if status.is_server_error() {
            return Self::internal(&error);
        }
        Self::new(status, error.public_message())
    }
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            layout: Layout {
                user: None,
                offline: false,
                csrf: String::new(),
                notice: None,
                title: "Error".to_owned(),
            },
            status: self.status.as_u16(),
            message: self.message,
        };
        (self.status, page).into_response()
    }
}

/// A stored UTC timestamp (`2026-11-25T20:19:54.541Z`) as people read it:
/// `25 Nov 2026, 20:19 UTC`. (Templates write the stored form itself, for `<time
/// datetime>` and the refresh script, with `{{ at }}`.)
pub fn display_time(at: &Timestamp) -> String {
    at.as_datetime().format("%-d %b %Y, %H:%M UTC").to_string()
}

/// When a message was sent, as the conversation said it (no time zone is known): a
/// stored `2026-11-24T09:02:00` reads "Tue 24 Nov 2026, 09:02", so that a label such as
/// "Today" keeps meaning the day it was pasted.
pub fn display_sent_at(stored: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(stored, "%Y-%m-%dT%H:%M:%S")
        .map(|at| at.format("%a %-d %b %Y, %H:%M").to_string())
        .unwrap_or_else(|_| stored.to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::NaiveDate;
    use tower_sessions::{MemoryStore, Session};

    use super::{display_sent_at, display_time, keep_alive, safe_next};

    #[tokio::test]
    async fn a_session_is_saved_again_for_a_page_at_most_once_a_day() {
        let store = Arc::new(MemoryStore::default());
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let first = Session::new(None, store.clone(), None);
        keep_alive(&first, monday).await.expect("kept alive");
        assert!(first.is_modified(), "a new session notes the day");
        first.save().await.expect("saved");

        let id = first.id();
        let later = Session::new(id, store.clone(), None);
        keep_alive(&later, monday).await.expect("kept alive");
        assert!(!later.is_modified(), "the same day changes nothing");
        let tuesday = monday.succ_opt().expect("a date");
        keep_alive(&later, tuesday).await.expect("kept alive");
        assert!(later.is_modified(), "the next day is saved");
    }

    #[test]
    fn message_times_are_shown_as_dates_not_as_the_labels_pasted() {
        assert_eq!(
            display_sent_at("2026-11-24T09:02:00"),
            "Tue 24 Nov 2026, 09:02"
        );
        assert_eq!(display_sent_at("not a time"), "not a time");
    }

    #[test]
    fn stored_times_are_shown_readably() {
        let at = "2026-11-25T20:19:54.541Z".parse().expect("a stored time");
        assert_eq!(display_time(&at), "25 Nov 2026, 20:19 UTC");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/threads/3")), "/threads/3");
        assert_eq!(safe_next(Some("/?page=2#card-x")), "/?page=2#card-x");
        assert_eq!(
            safe_next(Some("/threads/new?a=%20b")),
            "/threads/new?a=%20b"
        );
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "threads",
            "/\t/evil.example/path",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\x0b/evil.example",
            "/a\nb",
            "/a b",
            "/caf\u{e9}",
            "/\u{3000}/evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
