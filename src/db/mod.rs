//! The database: pool setup, migrations, and (one file per table) every SQL statement.
//!
//! Two backends run the same code. SQLite (the embedded default) runs in WAL mode:
//! reads go through a pool of several connections and every write through a pool of
//! exactly one, so writers queue in the application instead of fighting over SQLite's
//! lock. PostgreSQL has one pool, and several draftdesk instances may share it.
//!
//! Nothing above this module knows which backend runs. A statement is written once, with
//! `$1, $2, …` placeholders (SQLite's driver reads them too), and [`on!`] compiles the
//! call for each driver, so each is type-checked against its own. The few statements
//! whose text must differ choose it with [`Exec::backend`]. `documentation/postgres.md`
//! says why this shape and not sqlx's `Any` driver.

pub mod activity;
pub mod agent_runs;
pub mod aliases;
pub mod draft_edits;
pub mod drafts;
mod ids;
pub mod jobs;
pub mod messages;
pub mod note_proposals;
pub mod precedents;
pub mod search;
pub mod sessions;
pub mod setup_tokens;
pub mod sign_in_failures;
pub mod stats;
pub mod style_notes;
pub mod threads;
mod time;
pub mod tokens;
pub mod users;

pub use ids::{
    AliasId, DraftId, EditId, JobId, MessageId, NoteId, ParseIdError, PrecedentId, ProposalId,
    RunId, ThreadId, TokenId, UserId,
};
pub use time::{ParseTimestampError, Timestamp};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

/// The oldest PostgreSQL server draftdesk runs on (`server_version_num`).
const MIN_POSTGRES_VERSION: i32 = 150_000;

/// The application's database: SQLite's reader and writer pools, or a PostgreSQL pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        /// Several connections, for queries that only read.
        read: SqlitePool,
        /// One connection: every write and every transaction that writes.
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// Which database server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How many connections to keep and how long to wait for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// PostgreSQL: the pool's size per instance. SQLite: the readers' pool (the writer is
    /// always one connection).
    pub max_connections: u32,
    /// How long a request waits for a free connection before it fails.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// Where one statement runs: a pool (a connection is taken for the statement) or a
/// connection, usually a transaction's. Made by [`Db::read`], [`Db::write`] and
/// [`Tx::exec`].
#[derive(Debug)]
pub enum Exec<'a> {
    SqlitePool(&'a SqlitePool),
    SqliteConn(&'a mut SqliteConnection),
    PgPool(&'a PgPool),
    PgConn(&'a mut PgConnection),
}

impl Exec<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Self::SqlitePool(_) | Self::SqliteConn(_) => Backend::Sqlite,
            Self::PgPool(_) | Self::PgConn(_) => Backend::Postgres,
        }
    }
}

/// Runs `$body` with `$c` bound to the executor of whichever backend `$exec` holds; the
/// body is compiled once per driver.
macro_rules! on {
    ($exec:expr, |$c:ident| $body:expr) => {
        match $exec {
            $crate::db::Exec::SqlitePool($c) => $body,
            $crate::db::Exec::SqliteConn($c) => $body,
            $crate::db::Exec::PgPool($c) => $body,
            $crate::db::Exec::PgConn($c) => $body,
        }
    };
}
pub(crate) use on;

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut` of the driver's
/// connection type; write `&mut *$c` for each statement).
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c: &mut ::sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c: &mut ::sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// A transaction on the writer (SQLite) or the pool (PostgreSQL). Dropped without
/// [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Where the transaction's next statement runs.
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Self::Sqlite(t) => Exec::SqliteConn(&mut *t),
            Self::Postgres(t) => Exec::PgConn(&mut *t),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(t) => t.commit().await,
            Self::Postgres(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(t) => t.rollback().await,
            Self::Postgres(t) => t.rollback().await,
        }
    }

    /// Serialises this transaction against every other one holding the same `key`, in
    /// any instance, until it ends. On SQLite every writing transaction is already
    /// alone (one writer), so this is free there.
    pub async fn lock(&mut self, key: LockKey, id: i64) -> Result<(), sqlx::Error> {
        if let Self::Postgres(t) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind(key as i32)
                .bind(id as i32 ^ (id >> 32) as i32)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}

/// What a transaction-level advisory lock guards (its first key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum LockKey {
    /// Claiming jobs: one running job per thread.
    Claim = 1,
    /// Creating the first account.
    FirstAccount = 2,
    /// The jobs of one thread: queueing and finishing them.
    Thread = 3,
    /// The count of one user's queued jobs against the cap. Taken after the thread's
    /// lock, never before it.
    UserQueue = 4,
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
    #[error("DATABASE_URL: could not connect to the PostgreSQL server at {server}: {source}")]
    Unreachable { server: String, source: sqlx::Error },
    #[error("the PostgreSQL server is version {found}; draftdesk needs PostgreSQL 15 or newer")]
    TooOld { found: String },
    #[error(
        "the database has migration {0}, which this draftdesk does not know: it was written \
         by a newer version. Run that version, or restore a backup made before it"
    )]
    Newer(i64),
    #[error("could not apply the database migrations: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("there is no database at {0}")]
    Missing(String),
    #[error(
        "the database lacks migration {0}: run `draftdesk migrate` first (this command opens \
         the database read-only and changes nothing)"
    )]
    Behind(i64),
}

impl From<sqlx::migrate::MigrateError> for OpenError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        match error {
            sqlx::migrate::MigrateError::VersionMissing(version) => Self::Newer(version),
            other => Self::Migrate(other),
        }
    }
}

impl Db {
    /// Opens the database at `url` (a `sqlite:` file, created if missing, or a
    /// `postgres:` server) and applies the migrations.
    pub async fn open(url: &str, pool: PoolSettings) -> Result<Self, OpenError> {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::open_postgres(url, pool).await
        } else if url.starts_with("sqlite:") {
            Self::open_sqlite(url, pool).await
        } else {
            Err(OpenError::Url(format!(
                "'{}' is not supported; use sqlite://data/draftdesk.db or \
                 postgres://user:password@host/database",
                redact(url)
            )))
        }
    }

    async fn open_sqlite(url: &str, pool: PoolSettings) -> Result<Self, OpenError> {
        let options = sqlite_options(url)?;
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
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(pool.max_connections.max(1))
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self::Sqlite { read, write })
    }

    /// Opens the database at `url` for reading only, as it is: nothing is created or
    /// migrated, and every connection refuses to write (SQLite opens the file read-only;
    /// PostgreSQL sessions default to read-only transactions). A database that lacks a
    /// migration this draftdesk knows, or has one it does not, is refused.
    pub async fn open_read_only(url: &str, pool: PoolSettings) -> Result<Self, OpenError> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::Postgres(Self::connect_postgres(url, pool, true).await?)
        } else if url.starts_with("sqlite:") {
            let options = sqlite_options(url)?;
            let file = options.get_filename();
            if !file.exists() {
                return Err(OpenError::Missing(file.display().to_string()));
            }
            // No journal mode is set: that could write. A WAL database stays WAL.
            let options = SqliteConnectOptions::new()
                .filename(file)
                .read_only(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let read = SqlitePoolOptions::new()
                .max_connections(pool.max_connections.max(1))
                .acquire_timeout(pool.acquire_timeout)
                .connect_with(options)
                .await?;
            Self::Sqlite {
                write: read.clone(),
                read,
            }
        } else {
            return Self::open(url, pool).await;
        };
        let migrator = match db.backend() {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        // The connection was made above, so a failure here is the migrations' table
        // missing: a database never migrated.
        let applied = applied_migrations(db.read()).await.unwrap_or_default();
        if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
            return Err(OpenError::Newer(*newer));
        }
        if let Some(missing) = known.iter().find(|v| !applied.contains(v)) {
            return Err(OpenError::Behind(*missing));
        }
        Ok(db)
    }

    async fn open_postgres(url: &str, pool: PoolSettings) -> Result<Self, OpenError> {
        let pg = Self::connect_postgres(url, pool, false).await?;
        // The migrator holds an advisory lock while it runs: instances that start
        // together apply each migration once.
        sqlx::migrate!("./migrations/postgres").run(&pg).await?;
        Ok(Self::Postgres(pg))
    }

    /// A pool on the PostgreSQL server at `url`, checked to answer and to be new enough;
    /// with `read_only`, every transaction of its sessions is read-only.
    async fn connect_postgres(
        url: &str,
        pool: PoolSettings,
        read_only: bool,
    ) -> Result<PgPool, OpenError> {
        let mut options = PgConnectOptions::from_str(url).map_err(|e| {
            OpenError::Url(format!(
                "'{}' is not a valid PostgreSQL URL: {e}",
                redact(url)
            ))
        })?;
        // One connection first: an unreachable server or a wrong password is reported at
        // once, rather than retried by the pool until its acquire timeout.
        let unreachable = |source| OpenError::Unreachable {
            server: format!(
                "{}:{}/{}",
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or_default()
            ),
            source,
        };
        let mut first = tokio::time::timeout(
            pool.acquire_timeout,
            <PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        .map_err(|_| unreachable(sqlx::Error::PoolTimedOut))?
        .map_err(unreachable)?;
        let version: String = sqlx::query_scalar("SHOW server_version_num")
            .fetch_one(&mut first)
            .await?;
        if version.parse::<i32>().unwrap_or(0) < MIN_POSTGRES_VERSION {
            let found: String = sqlx::query_scalar("SHOW server_version")
                .fetch_one(&mut first)
                .await?;
            return Err(OpenError::TooOld { found });
        }
        sqlx::Connection::close(first).await?;
        if read_only {
            options = options.options([("default_transaction_read_only", "on")]);
        }
        Ok(PgPoolOptions::new()
            .max_connections(pool.max_connections.max(2))
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(options)
            .await?)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// For a statement that only reads.
    pub fn read(&self) -> Exec<'_> {
        match self {
            Self::Sqlite { read, .. } => Exec::SqlitePool(read),
            Self::Postgres(pool) => Exec::PgPool(pool),
        }
    }

    /// For a statement that writes (on SQLite, the single writer).
    pub fn write(&self) -> Exec<'_> {
        match self {
            Self::Sqlite { write, .. } => Exec::SqlitePool(write),
            Self::Postgres(pool) => Exec::PgPool(pool),
        }
    }

    /// Begins a transaction that may write (on SQLite, on the single writer).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on!(self.read(), |c| sqlx::query("SELECT 1")
            .execute(c)
            .await
            .map(|done| done.rows_affected()))
        .map(|_| ())
    }

    /// Closes the pools, letting queries in flight finish.
    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// The versions of the migrations applied to the database (none when it has never been
/// migrated).
async fn applied_migrations(exec: Exec<'_>) -> Result<Vec<i64>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version"
    )
    .fetch_all(c)
    .await)
}

/// The URL with its password replaced, for messages and logs: the one after the user
/// name (`postgres://user:***@host/db`) and a `password=` parameter alike.
pub fn redact(url: &str) -> String {
    // The query starts after the credentials: a password may hold a `?` of its own. Should
    // the query hold an `@`, more than the password is hidden, never less.
    let after_credentials = url.rfind('@').map_or(0, |at| at + 1);
    let (base, query) = match url[after_credentials..].find('?') {
        Some(q) => (
            &url[..after_credentials + q],
            Some(&url[after_credentials + q + 1..]),
        ),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &base[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &base[..scheme + 3],
                    &credentials[..colon],
                    &base[at..]
                ),
                None => base.to_owned(),
            }
        }
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<&str> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => "password=***",
                _ => pair,
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, OpenError> {
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

/// Implements storing a fieldless enum as its text form on both backends, with
/// `as_str` and `FromStr`.
macro_rules! stored_as_text {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = ::std::string::String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        concat!("'{}' is not a ", stringify!($ty)),
                        other
                    )),
                }
            }
        }

        impl<DB: ::sqlx::Database> ::sqlx::Type<DB> for $ty
        where
            str: ::sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as ::sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as ::sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: ::sqlx::Database> ::sqlx::Encode<'q, DB> for $ty
        where
            &'q str: ::sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&'q str as ::sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: ::sqlx::Database> ::sqlx::Decode<'r, DB> for $ty
        where
            &'r str: ::sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let text = <&'r str as ::sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(text.parse::<Self>()?)
            }
        }
    };
}
pub(crate) use stored_as_text;

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            redact("postgres://draftdesk:s3cret@db.example:5432/app"),
            "postgres://draftdesk:***@db.example:5432/app"
        );
        assert_eq!(
            redact("postgres:///app?host=/run/pg&password=s3cret&sslmode=require"),
            "postgres:///app?host=/run/pg&password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://me:a@b@host/app?PASSWORD=x"),
            "postgres://me:***@host/app?password=***"
        );
        assert_eq!(
            redact("postgres://me:pa?ss/w@host/app?sslmode=require"),
            "postgres://me:***@host/app?sslmode=require"
        );
        // Nothing to hide: unchanged.
        assert_eq!(redact("postgres://me@host/app"), "postgres://me@host/app");
        assert_eq!(
            redact("sqlite:///var/lib/draftdesk/draftdesk.db?mode=rwc"),
            "sqlite:///var/lib/draftdesk/draftdesk.db?mode=rwc"
        );
    }
}
