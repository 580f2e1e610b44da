//! A fresh database per test, on the backend the test binary runs against: a SQLite file
//! in a temporary folder (`tests/api`, `tests/e2e`) or a database of its own on the
//! PostgreSQL server named by `DRAFTDESK_TEST_POSTGRES_URL` (`tests/api_postgres`).
//! Either is removed when the test ends, also when it panics.

use tempfile::TempDir;

/// Which database server a test binary runs its tests against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable naming the PostgreSQL server of the PostgreSQL half.
pub const POSTGRES_URL_VARIABLE: &str = "DRAFTDESK_TEST_POSTGRES_URL";

/// An empty database for one test; `url` is what the app's `DATABASE_URL` would be.
pub struct TestDatabase {
    pub url: String,
    /// SQLite: the folder holding the file, removed on drop.
    _folder: Option<TempDir>,
    /// PostgreSQL: the server and the database's name, dropped on drop.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh database on this binary's backend.
    pub async fn create() -> Self {
        Self::on(crate::BACKEND).await
    }

    /// A fresh database on `backend`.
    pub async fn on(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(tempfile::tempdir().expect("a temporary folder")),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A SQLite database file (created by the app when missing) in `dir`.
    pub fn sqlite(dir: TempDir) -> Self {
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self {
            url,
            _folder: Some(dir),
            postgres: None,
        }
    }

    async fn postgres() -> Self {
        let server = std::env::var(POSTGRES_URL_VARIABLE).unwrap_or_else(|_| {
            panic!("{POSTGRES_URL_VARIABLE} names the PostgreSQL server of this test binary")
        });
        let name = format!("draftdesk_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = admin(&server).await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("a fresh database");
        let url = postgres_url(&server, &name);
        Self {
            url,
            _folder: None,
            postgres: Some((server, name)),
        }
    }
}

async fn admin(server: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(server)
        .await
        .expect("the PostgreSQL server answers")
}

/// `server`'s URL with the database replaced by `name`.
fn postgres_url(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of
        // its own drops the database, ending the app's connections to it.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut admin = admin(&server).await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) && !std::thread::panicking() {
            panic!("could not drop the test database {}", self.url);
        }
    }
}

/// The text for this binary's backend, where a test's own SQL must differ (faults it
/// injects, tables of the session store).
pub fn per_backend<'a>(sqlite: &'a str, postgres: &'a str) -> &'a str {
    match crate::BACKEND {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    }
}
