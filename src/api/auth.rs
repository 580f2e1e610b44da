//! Who is calling the API: a bearer token in the `Authorization` header, or the token as a
//! path prefix (`/t/{token}/...`) for clients that cannot set headers.

use axum::extract::{FromRef, FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::hash_token;
use crate::db::aliases::{Sighting, Standing};
use crate::db::users::User;
use crate::db::{self, Db, Timestamp, TokenId};
use crate::error::AppError;

/// The longest `user_id` kept as an alias.
const MAX_ALIAS: usize = crate::limits::MAX_NAME;

/// The user a valid API token belongs to.
#[derive(Debug, Clone)]
pub struct ApiUser {
    user: User,
    token_id: TokenId,
    /// The calling client, as far as it says: its Origin, else its User-Agent.
    client: String,
    db: Db,
}

impl ApiUser {
    /// The contract carries `user_id` in every request. The token decides the account:
    /// its name is accepted, and so is an id that names no account yet, which becomes an
    /// alias of the token's account (old clients send an id of their own). Another
    /// account's name or alias, or an alias the user removed, is refused (403).
    pub async fn check_user_id(&self, user_id: &str) -> Result<&User, AppError> {
        let user_id = user_id.trim();
        if user_id == self.user.name {
            return Ok(&self.user);
        }
        if user_id.is_empty() {
            return Err(AppError::invalid("user_id", "user_id must not be empty"));
        }
        if user_id
            .chars()
            .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
        {
            return Err(AppError::invalid(
                "user_id",
                "user_id must be printable text (no control characters, valid UTF-8)",
            ));
        }
        if user_id.chars().count() > MAX_ALIAS {
            return Err(AppError::invalid(
                "user_id",
                format!("user_id must be at most {MAX_ALIAS} characters"),
            ));
        }
        let now = Timestamp::now();
        let seen = Sighting {
            token_id: self.token_id,
            from: &self.client,
            now,
        };
        match db::aliases::resolve(&self.db, self.user.id, user_id, &seen).await? {
            Standing::Alias => Ok(&self.user),
            Standing::Removed => Err(AppError::Forbidden(format!(
                "user_id '{user_id}' was removed from this account's aliases in Settings; \
                 restore it there to use it again"
            ))),
            Standing::Other => Err(AppError::Forbidden(format!(
                "user_id '{user_id}' is not the user this token belongs to"
            ))),
        }
    }

    /// The token's account, for endpoints that carry no `user_id`.
    pub fn user(&self) -> &User {
        &self.user
    }
}

impl<S> FromRequestParts<S> for ApiUser
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // A token in the path is the more specific one: under /t/{token}/ it is the one
        // checked, whatever header comes with it.
        let token = match path_token(parts, state).await? {
            Some(token) => token,
            None => bearer_token(parts)?.ok_or_else(|| {
                AppError::Unauthorized(
                    "an API token is required: send 'Authorization: Bearer <token>' or use \
                     the /t/<token>/ path prefix"
                        .to_owned(),
                )
            })?,
        };
        let db = Db::from_ref(state);
        let owner = db::tokens::find_user(db.read(), &hash_token(&token))
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("the API token is not valid or was revoked".to_owned())
            })?;
        record_use(db.clone(), owner.token_id, owner.last_used_at);
        Ok(Self {
            user: owner.user,
            token_id: owner.token_id,
            client: client(parts),
            db,
        })
    }
}

/// Who is calling, for the alias list: the Origin (a browser extension's or a page's),
/// else the User-Agent, cut to 200 characters.
fn client(parts: &Parts) -> String {
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "null")
    };
    header(header::ORIGIN)
        .or_else(|| header(header::USER_AGENT))
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

fn bearer_token(parts: &Parts) -> Result<Option<String>, AppError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("the Authorization header is not text".to_owned()))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthorized(
            "the Authorization header must be 'Bearer <token>'".to_owned(),
        ));
    }
    Ok(Some(token.trim().to_owned()))
}

async fn path_token<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<Option<String>, AppError> {
    let Ok(params) = RawPathParams::from_request_parts(parts, state).await else {
        return Ok(None);
    };
    Ok(params
        .iter()
        .find(|(name, _)| *name == "token")
        .map(|(_, value)| value.to_owned()))
}

/// Notes when the token was last used, at most once a minute so that a busy integration
/// does not turn every read into a write. It runs off the request's path: a failure here
/// must not fail the request, but it is logged.
fn record_use(db: Db, token_id: TokenId, last_used_at: Option<Timestamp>) {
    let now = Timestamp::now();
    let stale_before = now.plus(-chrono::TimeDelta::minutes(1));
    if last_used_at.is_some_and(|last| last >= stale_before) {
        return;
    }
    tokio::spawn(async move {
        if let Err(error) = db::tokens::touch(db.write(), token_id, now).await {
            tracing::warn!(%error, token_id = token_id.get(), "could not record API token use");
        }
    });
}
