//! The database: pool setup, migrations, and (one file per table) every SQL statement.
//!
//! SQLite runs in WAL mode. Reads go through a pool of several connections; every write
//! goes through a pool of exactly one, so writers queue in the application instead of
//! fighting over SQLite's lock and failing with "database is locked".

pub mod activity;
pub mod agent_runs;
pub mod aliases;
pub mod drafts;
mod ids;
pub mod jobs;
pub mod messages;
pub mod search;
pub mod threads;
mod time;
pub mod tokens;
pub mod users;

pub use ids::{AliasId, DraftId, JobId, MessageId, ParseIdError, RunId, ThreadId, TokenId, UserId};
pub use time::{ParseTimestampError, Timestamp};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The application's two pools over one SQLite file.
#[derive(Clone, Debug)]
pub struct Db {
    /// Several connections, for queries that only read.
    pub read: SqlitePool,
    /// One connection: every write and every transaction that writes.
    pub write: SqlitePool,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("DATABASE_URL: {0}")]
    Url(String),
    #[error("could not create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("could not open the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens (creating if missing) the SQLite database at `url` and applies migrations.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let options = connect_options(url)?;
        if let Some(folder) = Path::new(options.get_filename()).parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder).map_err(|source| OpenError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { read, write })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
    }

    /// Closes both pools, letting queries in flight finish.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

fn connect_options(url: &str) -> Result<SqliteConnectOptions, OpenError> {
    if !url.starts_with("sqlite:") {
        return Err(OpenError::Url(format!(
            "'{url}' is not supported; use a SQLite URL such as sqlite://data/draftdesk.db"
        )));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| OpenError::Url(format!("'{url}' is not a valid SQLite URL: {e}")))?;
    Ok(options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10)))
}

/// True when the error is a violation of a UNIQUE constraint or index.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}
