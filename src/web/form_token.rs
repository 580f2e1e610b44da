//! The CSRF token of the sign-in and setup forms. A visitor who is not signed in has no
//! session, and gets none from these pages: the token is a random value in a cookie,
//! repeated in the form (a double-submit cookie). Nothing is stored on the server, so
//! the sign-in page costs no session row however often it is fetched.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use rand::RngCore;

use super::PageError;
use crate::auth::constant_time_eq;
use crate::state::AppState;

const COOKIE: &str = "draftdesk_form";

/// The visitor's form token, from their cookie or freshly made.
pub struct FormToken {
    token: String,
    /// Made for this request: the visitor had no cookie, so nothing they post can match.
    fresh: bool,
    secure: bool,
}

impl FromRequestParts<AppState> for FormToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secure = state.config.cookie_secure;
        let from_cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == COOKIE && is_token(value))
            .map(|(_, value)| value.to_owned());
        Ok(match from_cookie {
            Some(token) => Self {
                token,
                fresh: false,
                secure,
            },
            None => {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                Self {
                    token: hex::encode(bytes),
                    fresh: true,
                    secure,
                }
            }
        })
    }
}

impl FormToken {
    /// The value the form carries.
    pub fn value(&self) -> String {
        self.token.clone()
    }

    /// Checks a posted form's token against the visitor's cookie.
    pub fn check(&self, posted: &str) -> Result<(), PageError> {
        if !self.fresh && constant_time_eq(self.token.as_bytes(), posted.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from draftdesk. Reload the page and try again.",
            ))
        }
    }

    /// The response, setting the cookie when the visitor had none.
    pub fn attach(&self, mut response: Response) -> Response {
        if self.fresh {
            let secure = if self.secure { "; Secure" } else { "" };
            let cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                self.token
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}
