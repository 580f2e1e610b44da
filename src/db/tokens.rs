//! The `api_tokens` table. Only hashes of tokens are stored.

use super::{Exec, on};

use super::users::User;
use super::{Timestamp, TokenId, UserId};

/// A token as listed to its owner (never the secret itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: TokenId,
    pub label: String,
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// Stores a new token for a user.
pub async fn insert(
    exec: Exec<'_>,
    user_id: UserId,
    label: &str,
    token_hash: &str,
    prefix: &str,
) -> Result<TokenInfo, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "INSERT INTO api_tokens (user_id, label, token_hash, prefix) VALUES ($1, $2, $3, $4) \
         RETURNING id, label, prefix, created_at, last_used_at, revoked_at",
    )
    .bind(user_id)
    .bind(label)
    .bind(token_hash)
    .bind(prefix)
    .fetch_one(c)
    .await)
}

/// A live token and the user it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    pub token_id: TokenId,
    pub last_used_at: Option<Timestamp>,
    #[sqlx(flatten)]
    pub user: User,
}

/// The user a live (not revoked) token belongs to.
pub async fn find_user(
    exec: Exec<'_>,
    token_hash: &str,
) -> Result<Option<TokenOwner>, sqlx::Error> {
    on!(exec, |c| {
        sqlx::query_as(
            "SELECT t.id AS token_id, t.last_used_at, u.id, u.name, u.display_name, u.my_names, \
                u.created_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(c)
        .await
    })
}

/// Records when a token was used.
pub async fn touch(exec: Exec<'_>, token_id: TokenId, now: Timestamp) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(token_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// A user's tokens, newest first, revoked ones included.
pub async fn list(exec: Exec<'_>, user_id: UserId) -> Result<Vec<TokenInfo>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, label, prefix, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Revokes a token; `user_id` limits it to one owner when given. Returns whether a live
/// token was revoked.
pub async fn revoke(
    exec: Exec<'_>,
    token_id: TokenId,
    user_id: Option<UserId>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 \
         WHERE id = $2 AND revoked_at IS NULL AND (CAST($3 AS BIGINT) IS NULL OR user_id = $3)",
    )
    .bind(now)
    .bind(token_id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}
