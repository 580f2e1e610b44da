//! Who is calling the API: a bearer token in the `Authorization` header, or the token as a
//! path prefix (`/t/{token}/...`) for clients that cannot set headers.

use axum::extract::{FromRef, FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::hash_token;
use crate::db::users::User;
use crate::db::{self, Db};
use crate::error::AppError;

/// The user a valid API token belongs to.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl ApiUser {
    /// The contract carries `user_id` in every request; it must be the token's user.
    pub fn check_user_id(&self, user_id: &str) -> Result<&User, AppError> {
        if user_id.trim() != self.0.name {
            return Err(AppError::Forbidden(format!(
                "user_id '{user_id}' is not the user this token belongs to"
            )));
        }
        Ok(&self.0)
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
        let owner = db::tokens::find_user(&db.read, &hash_token(&token))
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("the API token is not valid or was revoked".to_owned())
            })?;
        record_use(db, owner.token_id, owner.last_used_at.as_deref());
        Ok(Self(owner.user))
    }
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
fn record_use(db: Db, token_id: i64, last_used_at: Option<&str>) {
    let now = chrono::Utc::now();
    let stale_before = db::timestamp(now - chrono::Duration::minutes(1));
    if last_used_at.is_some_and(|last| last >= stale_before.as_str()) {
        return;
    }
    tokio::spawn(async move {
        if let Err(error) = db::tokens::touch(&db.write, token_id, &db::timestamp(now)).await {
            tracing::warn!(%error, token_id, "could not record API token use");
        }
    });
}
