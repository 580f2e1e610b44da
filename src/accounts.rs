//! Accounts: creating users and checking their passwords.

use anyhow::bail;

use crate::auth;
use crate::db::{self, Db};

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// Creates a user after checking the name and password; the CLI and the setup page
/// share it.
pub async fn add_user(
    db: &Db,
    name: &str,
    display_name: Option<&str>,
    password: Option<&str>,
) -> anyhow::Result<db::users::User> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        bail!("NAME must be 1 to 100 characters without control characters");
    }
    let display_name = display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(name);
    let hash = match password {
        Some(p) if p.chars().count() < MIN_PASSWORD => {
            bail!("the password must be at least {MIN_PASSWORD} characters")
        }
        Some(p) => Some(auth::hash_password(p).map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    db::users::create(&db.write, name, display_name, hash.as_deref())
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                anyhow::anyhow!("a user named '{name}' already exists")
            } else {
                anyhow::Error::from(e)
            }
        })
}

/// The user with this name and password, if they match.
pub async fn check_password(
    db: &Db,
    name: &str,
    password: &str,
) -> Result<Option<db::users::User>, sqlx::Error> {
    let Some((user, hash)) = db::users::find_with_password(&db.read, name.trim()).await? else {
        // Spend the same time as a real check, so that timing does not tell which names exist.
        let _ = auth::verify_password(password, DUMMY_HASH);
        return Ok(None);
    };
    let verified = hash.is_some_and(|hash| auth::verify_password(password, &hash));
    Ok(verified.then_some(user))
}

/// An argon2 hash of a random password, checked against when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4N4OiPzEEm7Pr1ZxNNpt0ipbcxQEpIR5Tyj2TrFEfVA";
