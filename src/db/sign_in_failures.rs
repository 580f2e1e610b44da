//! The `sign_in_failures` table: failed sign-ins, one row each, so that every instance
//! on one database counts the same (`crate::accounts::LoginLimiter` holds the rules).

use super::{Exec, Timestamp, on};

/// The failures that hold an account and an address back: of those after `since`, the
/// `nth` newest (0 = the newest) for each, if there are that many.
pub async fn nth_newest_since(
    exec: Exec<'_>,
    account: &str,
    account_nth: i64,
    address: &str,
    address_nth: i64,
    since: Timestamp,
) -> Result<(Option<Timestamp>, Option<Timestamp>), sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT (SELECT failed_at FROM sign_in_failures \
                 WHERE account = $1 AND failed_at > $5 \
                 ORDER BY failed_at DESC LIMIT 1 OFFSET $2) AS by_account, \
                (SELECT failed_at FROM sign_in_failures \
                 WHERE address = $3 AND failed_at > $5 \
                 ORDER BY failed_at DESC LIMIT 1 OFFSET $4) AS by_address",
    )
    .bind(account)
    .bind(account_nth)
    .bind(address)
    .bind(address_nth)
    .bind(since)
    .fetch_one(c)
    .await)
}

/// Records a failure of `account` from `address` at `now`.
pub async fn insert(
    exec: Exec<'_>,
    account: &str,
    address: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "INSERT INTO sign_in_failures (account, address, failed_at) VALUES ($1, $2, $3)"
    )
    .bind(account)
    .bind(address)
    .bind(now)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// Deletes the failures from `until` and before: they no longer count.
pub async fn delete_until(exec: Exec<'_>, until: Timestamp) -> Result<u64, sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "DELETE FROM sign_in_failures WHERE failed_at <= $1"
    )
    .bind(until)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
}

/// Takes the account off its failures; they still count for their addresses.
pub async fn clear_account(exec: Exec<'_>, account: &str) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE sign_in_failures SET account = NULL WHERE account = $1"
    )
    .bind(account)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}
