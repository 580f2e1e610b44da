//! Accounts: creating users, checking their passwords, limiting sign-in guesses, and the
//! first-run setup link.
//!
//! argon2 spends tens of milliseconds of CPU per password on purpose. It runs on tokio's
//! blocking pool, a few at a time ([`Hasher`]), so that sign-ins never stall the threads
//! that serve every other request.

mod limiter;
pub mod setup;

pub use limiter::LoginLimiter;

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth;
use crate::db::{self, Db};
use crate::limits::MAX_ACCOUNT_NAME as MAX_NAME;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// Why an account could not be made or checked. The first three are the person's to fix
/// and safe to show; the others are ours, logged and never shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the name must be 1 to {MAX_NAME} characters, without control characters")]
    BadName,
    #[error("the password must be at least {MIN_PASSWORD} characters")]
    ShortPassword,
    #[error("a user named '{0}' already exists")]
    NameTaken(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl AccountError {
    /// Whether the person can fix it by changing what they typed.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::BadName | Self::ShortPassword | Self::NameTaken(_)
        )
    }
}

/// Runs password hashing on the blocking pool, at most a few at once.
#[derive(Clone, Debug)]
pub struct Hasher(Arc<Semaphore>);

impl Default for Hasher {
    /// Half the machine's cores (at least one): the other half keeps serving requests.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new((cores / 2).max(1))
    }
}

impl Hasher {
    pub fn new(at_once: usize) -> Self {
        Self(Arc::new(Semaphore::new(at_once.max(1))))
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let _permit = self
            .0
            .acquire()
            .await
            .map_err(|e| AccountError::Hashing(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AccountError::Hashing(e.to_string()))
    }

    /// Hashes a password with argon2id and a random salt.
    pub async fn hash(&self, password: &str) -> Result<String, AccountError> {
        let password = password.to_owned();
        self.run(move || auth::hash_password(&password))
            .await?
            .map_err(|e| AccountError::Hashing(e.to_string()))
    }

    /// Checks a password against a stored hash; with none, against a dummy hash, so the
    /// answer takes as long as a real check.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, AccountError> {
        let password = password.to_owned();
        self.run(move || match stored {
            Some(stored) => auth::verify_password(&password, &stored),
            None => {
                let _ = auth::verify_password(&password, DUMMY_HASH);
                false
            }
        })
        .await
    }
}

/// Creates a user after checking the name and password; the CLI uses it.
pub async fn add_user(
    db: &Db,
    name: &str,
    display_name: Option<&str>,
    password: Option<&str>,
) -> Result<db::users::User, AccountError> {
    let (name, display_name, hash) = checked(&Hasher::new(1), name, display_name, password).await?;
    db::users::create(db.write(), name, display_name, hash.as_deref())
        .await
        .map_err(|e| named_conflict(e, name))
}

/// Creates the first account, only while there is none; `None` when an account exists
/// (another setup request won). The check and the insert are one statement, so
/// concurrent setup requests cannot both create one.
pub async fn add_first_user(
    db: &Db,
    hasher: &Hasher,
    name: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<Option<db::users::User>, AccountError> {
    let (name, display_name, hash) = checked(hasher, name, display_name, Some(password)).await?;
    db::users::create_first(db, name, display_name, hash.as_deref())
        .await
        .map_err(|e| named_conflict(e, name))
}

/// The trimmed name and display name and the password's hash, once they pass the rules.
async fn checked<'a>(
    hasher: &Hasher,
    name: &'a str,
    display_name: Option<&'a str>,
    password: Option<&str>,
) -> Result<(&'a str, &'a str, Option<String>), AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AccountError::BadName);
    }
    let display_name = display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(name);
    let hash = match password {
        Some(p) if p.chars().count() < MIN_PASSWORD => return Err(AccountError::ShortPassword),
        Some(p) => Some(hasher.hash(p).await?),
        None => None,
    };
    Ok((name, display_name, hash))
}

fn named_conflict(error: sqlx::Error, name: &str) -> AccountError {
    if db::is_unique_violation(&error) {
        AccountError::NameTaken(name.to_owned())
    } else {
        AccountError::Database(error)
    }
}

/// The user with this name and password, if they match. An unknown name and an account
/// without a password take as long to refuse as a wrong password does, so that timing
/// does not tell which names exist.
pub async fn check_password(
    db: &Db,
    hasher: &Hasher,
    name: &str,
    password: &str,
) -> Result<Option<db::users::User>, AccountError> {
    let found = db::users::find_with_password(db.read(), name.trim()).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let verified = hasher.verify(password, hash).await?;
    Ok(user.filter(|_| verified))
}

/// An argon2 hash of a random password, checked against when there is no real one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4N4OiPzEEm7Pr1ZxNNpt0ipbcxQEpIR5Tyj2TrFEfVA";

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// On a runtime with one thread, work done inline would stop every other task until
    /// it ended; on the blocking pool, other tasks keep running while passwords are checked.
    #[tokio::test(flavor = "current_thread")]
    async fn password_checks_leave_the_async_threads_free() {
        let hasher = Hasher::new(2);
        let stored = auth::hash_password("correct horse").expect("hash");
        let done = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = tokio::spawn({
            let (done, ticks) = (done.clone(), ticks.clone());
            async move {
                while !done.load(Ordering::Relaxed) {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        tokio::task::yield_now().await;
        let before = ticks.load(Ordering::Relaxed);
        let mut results = Vec::new();
        for _ in 0..4 {
            results.push(hasher.verify("wrong horse", Some(stored.clone())).await);
        }
        let during = ticks.load(Ordering::Relaxed) - before;
        done.store(true, Ordering::Relaxed);
        ticker.await.expect("ticker");
        assert!(results.iter().all(|r| matches!(r, Ok(false))));
        assert!(
            during > 0,
            "no other task ran while four passwords were checked"
        );
    }

    #[tokio::test]
    async fn an_account_without_a_password_is_refused_after_a_full_check() {
        let hasher = Hasher::new(1);
        assert!(!hasher.verify("anything", None).await.expect("runs"));
    }
}
