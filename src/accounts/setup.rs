//! The first-run setup link's secret: printed in the log at start while no account
//! exists, good for creating the first one.
//!
//! It is kept in the database, not in the process: every instance on one database prints
//! and accepts the same link, a restart keeps it, and creating the first account (on any
//! instance) ends it.

use crate::auth::constant_time_eq;
use crate::db::{self, Db};

/// The setup token to print at start: `None` once an account exists. The first instance
/// to start on an empty database makes it; the others read the same one.
pub async fn prepare(db: &Db) -> Result<Option<String>, sqlx::Error> {
    db::setup_tokens::ensure(db, &generate()).await
}

/// Whether `candidate` is the setup token (compared in constant time); `false` when
/// there is none.
pub async fn matches(db: &Db, candidate: &str) -> Result<bool, sqlx::Error> {
    let stored = db::setup_tokens::find(db.read()).await?;
    Ok(stored.is_some_and(|token| constant_time_eq(token.as_bytes(), candidate.as_bytes())))
}

/// A fresh token: 128 random bits in hex, unlike an API token so the two are not
/// mistaken for each other.
fn generate() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    hex::encode(bytes)
}
