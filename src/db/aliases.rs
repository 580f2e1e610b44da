//! The `user_aliases` table: other `user_id`s an API client calls an account by.

use super::{Db, Exec, on};

use super::{AliasId, Timestamp, TokenId, UserId};

/// An alias as listed in settings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Alias {
    pub id: AliasId,
    pub alias: String,
    pub first_seen_from: String,
    pub first_seen_at: Timestamp,
    pub removed_at: Option<Timestamp>,
    /// The label of the token that first used it, if that token still exists.
    pub token_label: Option<String>,
    pub token_prefix: Option<String>,
}

/// What a `user_id` is, seen from the account whose token sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// An alias of this account (just learned, or known before).
    Alias,
    /// An alias of this account that the user removed.
    Removed,
    /// Another account's name or alias.
    Other,
}

/// Where a `user_id` first came from.
#[derive(Debug, Clone)]
pub struct Sighting<'a> {
    pub token_id: TokenId,
    pub from: &'a str,
    pub now: Timestamp,
}

/// Looks `alias` up for `user_id`'s account, learning it as a new alias of that account
/// when it names no account and no alias yet. `alias` is not the account's own name.
pub async fn resolve(
    db: &Db,
    user_id: UserId,
    alias: &str,
    seen: &Sighting<'_>,
) -> Result<Standing, sqlx::Error> {
    let account: Option<UserId> = on!(db.read(), |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE name = $1"
    )
    .bind(alias)
    .fetch_optional(c)
    .await)?;
    if account.is_some() {
        return Ok(Standing::Other);
    }
    if let Some(known) = find(db.read(), alias).await? {
        return Ok(standing(user_id, known));
    }
    // Several requests of a new client may race here: the first insert wins, and every
    // one of them reads the row that won.
    on!(db.write(), |c| sqlx::query(
        "INSERT INTO user_aliases (user_id, alias, token_id, first_seen_from, first_seen_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (alias) DO NOTHING",
    )
    .bind(user_id)
    .bind(alias)
    .bind(seen.token_id)
    .bind(seen.from)
    .bind(seen.now)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    match find(db.write(), alias).await? {
        Some(known) => Ok(standing(user_id, known)),
        None => Err(sqlx::Error::RowNotFound),
    }
}

async fn find(exec: Exec<'_>, alias: &str) -> Result<Option<(UserId, bool)>, sqlx::Error> {
    let row: Option<(UserId, Option<String>)> = on!(exec, |c| sqlx::query_as(
        "SELECT user_id, removed_at FROM user_aliases WHERE alias = $1"
    )
    .bind(alias)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(owner, removed)| (owner, removed.is_some())))
}

fn standing(user_id: UserId, (owner, removed): (UserId, bool)) -> Standing {
    match (owner == user_id, removed) {
        (false, _) => Standing::Other,
        (true, true) => Standing::Removed,
        (true, false) => Standing::Alias,
    }
}

/// The account's aliases, newest first.
pub async fn list(exec: Exec<'_>, user_id: UserId) -> Result<Vec<Alias>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT a.id, a.alias, a.first_seen_from, a.first_seen_at, a.removed_at, \
                t.label AS token_label, t.prefix AS token_prefix \
         FROM user_aliases a LEFT JOIN api_tokens t ON t.id = a.token_id \
         WHERE a.user_id = $1 ORDER BY a.id DESC",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)
}

/// Removes (`Some(now)`) or restores (`None`) one of the account's aliases; false when
/// the account has no alias with that id.
pub async fn set_removed(
    exec: Exec<'_>,
    user_id: UserId,
    id: AliasId,
    removed_at: Option<Timestamp>,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE user_aliases SET removed_at = $1 WHERE id = $2 AND user_id = $3"
    )
    .bind(removed_at)
    .bind(id)
    .bind(user_id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}
