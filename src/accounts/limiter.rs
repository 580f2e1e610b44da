//! Failed sign-ins, counted per account and per client address.
//!
//! An account takes `per_account` failures in the window, from anywhere; an address
//! takes `per_address`, across every name it tries. A success clears that account's
//! failures only: signing into one's own account does not buy guesses at another's, and
//! one address's failures do not lock out other people's accounts.
//!
//! The failures are rows in the database (`sign_in_failures`), so every instance on one
//! database counts the same ones and a restart forgets none.

use std::net::IpAddr;

use crate::config::LoginLimits;
use crate::db::{self, Db, Timestamp};

/// Counts failed sign-ins in the database, so that every instance on one database
/// answers the same and a restart forgets nothing.
#[derive(Clone, Debug)]
pub struct LoginLimiter {
    db: Db,
    limits: LoginLimits,
}

impl LoginLimiter {
    pub fn new(db: Db, limits: LoginLimits) -> Self {
        Self { db, limits }
    }

    /// Seconds to wait before trying again, if this account or this address must wait.
    pub async fn wait(&self, account: &str, ip: IpAddr) -> Result<Option<u64>, sqlx::Error> {
        self.wait_at(account, ip, Timestamp::now()).await
    }

    async fn wait_at(
        &self,
        account: &str,
        ip: IpAddr,
        now: Timestamp,
    ) -> Result<Option<u64>, sqlx::Error> {
        // The failure that makes the limit, counting back from the newest: once it is
        // older than the window, there are fewer than the limit in it.
        let (by_account, by_address) = db::sign_in_failures::nth_newest_since(
            self.db.read(),
            &account_key(account),
            nth(self.limits.per_account),
            &address_key(ip).to_string(),
            nth(self.limits.per_address),
            self.window_start(now),
        )
        .await?;
        let wait = |limiting: Option<Timestamp>| {
            limiting.map(|at| {
                let age = (now.as_datetime() - at.as_datetime())
                    .to_std()
                    .unwrap_or_default();
                self.limits.window.saturating_sub(age).as_secs().max(1)
            })
        };
        Ok(wait(by_account).max(wait(by_address)))
    }

    /// Counts a failure against the account and the address.
    pub async fn failed(&self, account: &str, ip: IpAddr) -> Result<(), sqlx::Error> {
        self.failed_at(account, ip, Timestamp::now()).await
    }

    async fn failed_at(
        &self,
        account: &str,
        ip: IpAddr,
        now: Timestamp,
    ) -> Result<(), sqlx::Error> {
        // Failures older than the window count for nothing: they go as new ones come.
        db::sign_in_failures::delete_until(self.db.write(), self.window_start(now)).await?;
        db::sign_in_failures::insert(
            self.db.write(),
            &account_key(account),
            &address_key(ip).to_string(),
            now,
        )
        .await
    }

    /// Clears the account's failures; the address keeps its count.
    pub async fn succeeded(&self, account: &str) -> Result<(), sqlx::Error> {
        db::sign_in_failures::clear_account(self.db.write(), &account_key(account)).await
    }

    /// Failures at or before this instant are out of the window.
    fn window_start(&self, now: Timestamp) -> Timestamp {
        let window = chrono::TimeDelta::from_std(self.limits.window)
            .unwrap_or_else(|_| chrono::TimeDelta::days(36_500));
        now.plus(-window)
    }
}

/// Which failure, counting back from the newest (0), is the `limit`-th.
fn nth(limit: usize) -> i64 {
    i64::try_from(limit.max(1) - 1).unwrap_or(i64::MAX)
}

/// Names are counted as typed, trimmed and case-folded, whether or not an account has it
/// (so that a 429 does not tell which names exist).
fn account_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An IPv6 client usually holds a whole /64; it counts as one address.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into())
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn limiter() -> (LoginLimiter, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("limits.db").display());
        let db = Db::open(&url, db::PoolSettings::default())
            .await
            .expect("the database opens");
        let limiter = LoginLimiter::new(
            db,
            LoginLimits {
                per_account: 3,
                per_address: 5,
                window: Duration::from_secs(60),
            },
        );
        (limiter, dir)
    }

    fn at(seconds: i64) -> Timestamp {
        let start: Timestamp = "2026-11-24T09:00:00.000Z".parse().expect("a timestamp");
        start.plus(chrono::TimeDelta::seconds(seconds))
    }

    async fn rows(limiter: &LoginLimiter) -> i64 {
        db::on!(limiter.db.read(), |c| sqlx::query_scalar(
            "SELECT count(*) FROM sign_in_failures"
        )
        .fetch_one(c)
        .await)
        .expect("counted")
    }

    #[tokio::test]
    async fn an_account_waits_after_its_failures_from_any_address() {
        let (limiter, _dir) = limiter().await;
        for i in 0..3u8 {
            let ip = IpAddr::from([10, 0, 0, i]);
            assert_eq!(limiter.wait_at("Bob", ip, at(0)).await.expect("read"), None);
            limiter
                .failed_at(" bob ", ip, at(0))
                .await
                .expect("recorded");
        }
        let elsewhere = IpAddr::from([10, 9, 9, 9]);
        assert_eq!(
            limiter
                .wait_at("BOB", elsewhere, at(20))
                .await
                .expect("read"),
            Some(40),
            "until the oldest of the three leaves the window"
        );
        assert_eq!(
            limiter
                .wait_at("anna", IpAddr::from([10, 0, 0, 0]), at(20))
                .await
                .expect("read"),
            None
        );
        assert_eq!(
            limiter
                .wait_at("bob", elsewhere, at(60))
                .await
                .expect("read"),
            None,
            "the window has passed"
        );
    }

    #[tokio::test]
    async fn the_wait_counts_from_the_failure_that_made_the_limit() {
        let (limiter, _dir) = limiter().await;
        let ip = IpAddr::from([192, 0, 2, 1]);
        for second in [0, 10, 20, 30] {
            limiter
                .failed_at("bob", ip, at(second))
                .await
                .expect("recorded");
        }
        // Four failures, three of them needed: the wait ends when the second-oldest
        // (at 10 s) leaves the window, as when only the newest three were kept.
        assert_eq!(
            limiter.wait_at("bob", ip, at(35)).await.expect("read"),
            Some(35)
        );
    }

    #[tokio::test]
    async fn an_address_waits_after_failures_across_names_and_a_success_does_not_clear_it() {
        let (limiter, _dir) = limiter().await;
        let ip = IpAddr::from([192, 0, 2, 1]);
        for i in 0..5 {
            limiter
                .failed_at(&format!("name{i}"), ip, at(0))
                .await
                .expect("recorded");
            limiter
                .succeeded(&format!("name{i}"))
                .await
                .expect("cleared");
        }
        assert!(
            limiter
                .wait_at("someone", ip, at(1))
                .await
                .expect("read")
                .is_some()
        );
        assert_eq!(
            limiter
                .wait_at("someone", IpAddr::from([192, 0, 2, 2]), at(1))
                .await
                .expect("read"),
            None
        );
    }

    #[tokio::test]
    async fn failures_older_than_the_window_are_deleted_as_new_ones_come() {
        let (limiter, _dir) = limiter().await;
        let ip = IpAddr::from([192, 0, 2, 1]);
        limiter.failed_at("bob", ip, at(0)).await.expect("recorded");
        limiter
            .failed_at("bob", ip, at(59))
            .await
            .expect("recorded");
        assert_eq!(rows(&limiter).await, 2);
        limiter
            .failed_at("anna", ip, at(60))
            .await
            .expect("recorded");
        assert_eq!(rows(&limiter).await, 2, "the failure at 0 s is gone");
    }

    #[test]
    fn one_ipv6_network_counts_as_one_address() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }
}
