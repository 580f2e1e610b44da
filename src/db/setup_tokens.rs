//! The `setup_tokens` table: the first-run setup link's secret, at most one row, so that
//! every instance on one database prints and accepts the same link.

use super::{Db, Exec, LockKey, on};

/// The token while no account exists: the one stored, or else `fresh`, stored now. With
/// an account, none, and any token left over (an account made on the command line) is
/// removed.
///
/// Serialised with the first account's creation (`users::create_first`), so a token is
/// never stored after the first account took it away.
pub async fn ensure(db: &Db, fresh: &str) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    tx.lock(LockKey::FirstAccount, 0).await?;
    let users: bool = on!(tx.exec(), |c| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users)"
    )
    .fetch_one(c)
    .await)?;
    if users {
        remove(tx.exec()).await?;
        tx.commit().await?;
        return Ok(None);
    }
    on!(tx.exec(), |c| sqlx::query(
        "INSERT INTO setup_tokens (id, token) VALUES (1, $1) ON CONFLICT (id) DO NOTHING"
    )
    .bind(fresh)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    let token = find(tx.exec()).await?;
    tx.commit().await?;
    Ok(token)
}

/// The stored token, if there is one.
pub async fn find(exec: Exec<'_>) -> Result<Option<String>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT token FROM setup_tokens WHERE id = 1"
    )
    .fetch_optional(c)
    .await)
}

/// Removes the token: the link stops working.
pub async fn remove(exec: Exec<'_>) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query("DELETE FROM setup_tokens")
        .execute(c)
        .await
        .map(|done| done.rows_affected()))
    .map(|_| ())
}
