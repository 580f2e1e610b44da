//! The `users` table.

use sqlx::{SqliteExecutor, SqlitePool};

use super::{Timestamp, UserId};

/// A user as the application sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    /// The stable external id, the contract's `user_id`.
    pub name: String,
    pub display_name: String,
    #[sqlx(json)]
    pub my_names: Vec<String>,
    pub style_notes: String,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, name, display_name, my_names, style_notes, created_at";

/// Creates a user. "My names" start as the account name and the display name.
pub async fn create(
    pool: &SqlitePool,
    name: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<User, sqlx::Error> {
    let my_names = initial_names(name, display_name)?;
    sqlx::query_as(&format!(
        "INSERT INTO users (name, display_name, my_names, password_hash) VALUES ($1, $2, $3, $4) \
         RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(display_name)
    .bind(my_names)
    .bind(password_hash)
    .fetch_one(pool)
    .await
}

/// Creates the first user, only while the table is empty: `None` if a user exists. One
/// statement on the single writer, so two concurrent calls cannot both insert.
pub async fn create_first(
    pool: &SqlitePool,
    name: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<Option<User>, sqlx::Error> {
    let my_names = initial_names(name, display_name)?;
    sqlx::query_as(&format!(
        "INSERT INTO users (name, display_name, my_names, password_hash) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users) \
         RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(display_name)
    .bind(my_names)
    .bind(password_hash)
    .fetch_optional(pool)
    .await
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
pub async fn find_by_name(pool: &SqlitePool, name: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE name = $1"))
        .bind(name)
        .fetch_optional(pool)
        .await
}

/// Finds a user by their row id.
pub async fn find(pool: &SqlitePool, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Replaces the user's style notes if they are still `seen`, the text the user edited;
/// false when they changed meanwhile (a note learned from feedback), and nothing is
/// written.
pub async fn replace_style_notes(
    conn: impl SqliteExecutor<'_>,
    id: UserId,
    seen: &str,
    notes: &str,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE users SET style_notes = $1 WHERE id = $2 AND style_notes = $3")
            .bind(notes)
            .bind(id)
            .bind(seen)
            .execute(conn)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Appends a learned line to the user's style notes unless they already say it.
pub async fn add_style_note(pool: &SqlitePool, id: UserId, note: &str) -> Result<(), sqlx::Error> {
    let line = format!("- {note}");
    sqlx::query(
        "UPDATE users SET style_notes = ltrim(style_notes || char(10) || $1, char(10)) \
         WHERE id = $2 AND instr(lower(style_notes), lower($3)) = 0",
    )
    .bind(&line)
    .bind(id)
    .bind(note)
    .execute(pool)
    .await
    .map(|_| ())
}

/// A user by name with their password hash, for sign-in.
pub async fn find_with_password(
    pool: &SqlitePool,
    name: &str,
) -> Result<Option<(User, Option<String>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        password_hash: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

/// How many users there are (none: the first-run setup is open).
pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await
}

/// Replaces the names the user appears under in conversations.
pub async fn set_names(
    conn: impl SqliteExecutor<'_>,
    id: UserId,
    my_names: &[String],
) -> Result<(), sqlx::Error> {
    let names = serde_json::to_string(my_names).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("UPDATE users SET my_names = $1 WHERE id = $2")
        .bind(names)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}
