//! The PostgreSQL half (issue 15, in progress): the schema in `migrations/postgres/` is
//! the twin of `migrations/sqlite/`. Runs when `DRAFTDESK_TEST_POSTGRES_URL` names a
//! server (`.ci/run` starts one); otherwise these tests are listed as ignored, with the
//! reason, and never counted as passed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sqlx::migrate::Migrator;

fn folder(backend: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

/// A database of its own on the server named by `DRAFTDESK_TEST_POSTGRES_URL`, so runs
/// never see each other's tables; dropped by [`FreshDatabase::drop_database`].
pub struct FreshDatabase {
    admin: sqlx::PgPool,
    name: String,
    pub pool: sqlx::PgPool,
}

impl FreshDatabase {
    /// Creates an empty database named `draftdesk_<purpose>_<random>`.
    pub async fn create(purpose: &str) -> Self {
        use sqlx::postgres::PgPoolOptions;

        let url =
            std::env::var("DRAFTDESK_TEST_POSTGRES_URL").expect("DRAFTDESK_TEST_POSTGRES_URL");
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("the PostgreSQL server answers");
        let name = format!("draftdesk_{purpose}_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("a fresh database");
        let options: sqlx::postgres::PgConnectOptions = url.parse().expect("a PostgreSQL URL");
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.database(&name))
            .await
            .expect("the fresh database");
        Self { admin, name, pool }
    }

    /// Applies `migrations/postgres`.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        Migrator::new(folder("postgres"))
            .await
            .expect("the migrations")
            .run(&self.pool)
            .await
    }

    /// Closes the pool and drops the database.
    pub async fn drop_database(self) {
        self.pool.close().await;
        sqlx::query(&format!("DROP DATABASE {}", self.name))
            .execute(&self.admin)
            .await
            .expect("dropped");
    }
}

/// The migrations of a backend as (version, description).
async fn versions(backend: &str) -> Vec<(i64, String)> {
    let migrator = Migrator::new(folder(backend))
        .await
        .expect("the migrations");
    migrator
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

/// Both folders hold the same migrations, so a database of either kind at version N has
/// the same tables and columns. Needs no server.
#[tokio::test]
async fn both_backends_have_the_same_migrations() {
    let sqlite = versions("sqlite").await;
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres").await);
}

/// Columns by table, from SQLite's own catalogue after migrating a fresh file.
async fn sqlite_columns() -> BTreeMap<String, BTreeSet<String>> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("twin.db").display());
    let db = draftdesk::db::Db::open(&url, Default::default())
        .await
        .expect("the database opens");
    let draftdesk::db::Db::Sqlite { read, .. } = &db else {
        unreachable!("a sqlite: URL opens SQLite")
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
           AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND m.name NOT LIKE '%_fts_%'",
    )
    .fetch_all(read)
    .await
    .expect("the catalogue");
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().insert(column);
    }
    tables
}

/// The PostgreSQL migrations apply to an empty database and give the same tables and
/// columns as SQLite's, apart from the full-text search columns that stand in for
/// SQLite's FTS5 tables.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half not run: set DRAFTDESK_TEST_POSTGRES_URL to a server URL (see README)"
)]
async fn the_postgres_schema_is_the_twin_of_the_sqlite_one() {
    let fresh = FreshDatabase::create("twin").await;
    let applied = fresh.migrate().await;
    let rows: Result<Vec<(String, String)>, _> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&fresh.pool)
    .await;
    fresh.drop_database().await;
    applied.expect("the PostgreSQL migrations apply");

    let mut postgres: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows.expect("the catalogue") {
        postgres.entry(table).or_default().insert(column);
    }
    // tsvector columns in place of SQLite's FTS5 tables.
    postgres.get_mut("messages").map(|c| c.remove("fts"));
    postgres.get_mut("drafts").map(|c| c.remove("approved_fts"));
    assert_eq!(postgres, sqlite_columns().await);
}

/// `draftdesk migrate` says which database is ready, never with its password, whether the
/// URL carries it after the user name or as a parameter.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half not run: set DRAFTDESK_TEST_POSTGRES_URL to a server URL (see README)"
)]
async fn migrate_names_the_database_without_its_password() {
    let database = crate::database::TestDatabase::on(crate::database::Backend::Postgres).await;
    // The test server trusts its local socket, so the password is carried but not needed.
    let with_password = if database.url.contains('?') {
        format!("{}&password=hunter2-secret", database.url)
    } else {
        format!("{}?password=hunter2-secret", database.url)
    };
    // `finished` holds the process in a KillOnDrop: a panic here does not leave it running.
    let out = crate::process::finished(
        crate::process::draftdesk()
            .env("DATABASE_URL", &with_password)
            .arg("migrate"),
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("database ready: postgres://"), "{said}");
    assert!(said.contains("password=***"), "{said}");
    assert!(
        !said.contains("hunter2"),
        "the password is not shown: {said}"
    );
}
