//! The `users` table.

use super::{Db, Exec, LockKey, on};

use super::{Timestamp, UserId};

/// A user as the application sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    /// The stable external id, the contract's `user_id`.
    pub name: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub my_names: MyNames,
    pub created_at: Timestamp,
}

/// The names the user appears under in conversations, stored as a JSON array in text
/// (a `TEXT` column on both backends, so not sqlx's `json`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyNames(pub Vec<String>);

impl TryFrom<String> for MyNames {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text).map(Self)
    }
}

impl std::ops::Deref for MyNames {
    type Target = Vec<String>;

    fn deref(&self) -> &Vec<String> {
        &self.0
    }
}

const COLUMNS: &str = "id, name, display_name, my_names, created_at";

/// Creates a user. "My names" start as the account name and the display name.
pub async fn create(
    exec: Exec<'_>,
    name: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<User, sqlx::Error> {
    let my_names = initial_names(name, display_name)?;
    on!(exec, |c| sqlx::query_as(&format!(
        "INSERT INTO users (name, display_name, my_names, password_hash) VALUES ($1, $2, $3, $4) \
         RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(display_name)
    .bind(my_names)
    .bind(password_hash)
    .fetch_one(c)
    .await)
}

/// Creates the first user, only while the table is empty: `None` if a user exists. One
/// statement on the single writer, so two concurrent calls cannot both insert. The
/// first-run setup token is removed with it.
pub async fn create_first(
    db: &Db,
    name: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<Option<User>, sqlx::Error> {
    let my_names = initial_names(name, display_name)?;
    let mut tx = db.begin().await?;
    // One statement on SQLite's single writer is alone anyway; PostgreSQL instances take
    // turns, or two could both see an empty table.
    tx.lock(LockKey::FirstAccount, 0).await?;
    let user = on!(tx.exec(), |c| sqlx::query_as(&format!(
        "INSERT INTO users (name, display_name, my_names, password_hash) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users) \
         RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(display_name)
    .bind(my_names)
    .bind(password_hash)
    .fetch_optional(c)
    .await)?;
    if user.is_some() {
        // The setup link has done its work, for every instance.
        super::setup_tokens::remove(tx.exec()).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// "My names" start as the account name and the display name, as JSON.
fn initial_names(name: &str, display_name: &str) -> Result<String, sqlx::Error> {
    let mut my_names = vec![name.to_owned()];
    if !display_name.eq_ignore_ascii_case(name) {
        my_names.push(display_name.to_owned());
    }
    serde_json::to_string(&my_names).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// Finds a user by their external id.
pub async fn find_by_name(exec: Exec<'_>, name: &str) -> Result<Option<User>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(c)
    .await)
}

/// The names of the first `limit` users, oldest account first.
pub async fn names(exec: Exec<'_>, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT name FROM users ORDER BY id LIMIT $1"
    )
    .bind(limit)
    .fetch_all(c)
    .await)
}

/// Finds a user by their row id.
pub async fn find(exec: Exec<'_>, id: UserId) -> Result<Option<User>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// A user by name with their password hash, for sign-in.
pub async fn find_with_password(
    exec: Exec<'_>,
    name: &str,
) -> Result<Option<(User, Option<String>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        password_hash: Option<String>,
    }
    let row: Option<Row> = on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

/// How many users there are (none: the first-run setup is open).
pub async fn count(exec: Exec<'_>) -> Result<i64, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(c)
        .await)
}

/// Replaces the names the user appears under in conversations.
pub async fn set_names(exec: Exec<'_>, id: UserId, my_names: &[String]) -> Result<(), sqlx::Error> {
    let names = serde_json::to_string(my_names).map_err(|e| sqlx::Error::Encode(e.into()))?;
    on!(exec, |c| sqlx::query(
        "UPDATE users SET my_names = $1 WHERE id = $2"
    )
    .bind(names)
    .bind(id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}
