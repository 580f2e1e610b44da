//! `CsrfForm<T>`: the body of a signed-in form post, read only after its CSRF token has
//! been checked against the session. Every handler that changes something takes one, so
//! no handler can forget the check. (The sign-in and setup forms, which come before any
//! session, use [`super::form_token::FormToken`] instead.)

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::{PageError, SESSION_CSRF};

/// A form post of `T` whose `csrf` field matched the session's token.
pub struct CsrfForm<T>(pub T);

/// For a form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct NoFields {}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(status, message)| PageError::new(status, message))?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                PageError::new(rejection.status(), "The form could not be read. Try again.")
            })?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let token = fields
            .iter()
            .find(|(name, _)| name == "csrf")
            .map_or("", |(_, value)| value.as_str());
        check_csrf(&session, token).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Self)
            .map_err(|error| {
                PageError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("The form could not be read ({error}). Reload the page and try again."),
                )
            })
    }
}

/// Whether `token` is the session's CSRF token (403 otherwise), compared in constant time.
async fn check_csrf(session: &Session, token: &str) -> Result<(), PageError> {
    let expected: Option<String> = session
        .get(SESSION_CSRF)
        .await
        .map_err(|e| PageError::internal(&e))?;
    let matches = expected.is_some_and(|expected| {
        crate::auth::constant_time_eq(expected.as_bytes(), token.as_bytes())
    });
    if matches {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from draftdesk. Reload the page and try again.",
        ))
    }
}
