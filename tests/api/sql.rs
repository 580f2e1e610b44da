//! Every SQL statement in `src/` is prepared against the real, migrated schema.
//!
//! draftdesk does not use sqlx's compile-time checked macros (`documentation/architecture.md`
//! says why); this test is what checks the SQL instead. It finds each statement passed to
//! `sqlx::query`, `query_as` or `query_scalar` — a string literal, or a `format!` whose
//! placeholders are constants of the same file — and asks SQLite to prepare it, which
//! fails on a syntax error or an unknown table, column or function. A statement built
//! some other way must be listed in `DYNAMIC` with the test that runs it.
//!
//! The same text serves PostgreSQL (`documentation/postgres.md`): with
//! `DRAFTDESK_TEST_POSTGRES_URL` set, every statement is prepared on a migrated
//! PostgreSQL database too, except those listed in `SQLITE_ONLY`, which must fail there.
//! A statement whose text differs per backend is written as the arms of a
//! `match … { Backend::Sqlite => "…", Backend::Postgres => "…" }`: each arm is prepared
//! on its own backend only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sqlx::Executor;

/// Statements put together at run time or chosen per backend (the call names a
/// variable), by file, with the tests that run every form.
const DYNAMIC: &[(&str, usize, &str)] = &[
    (
        "src/db/activity.rs",
        1,
        "the review cards' quotes read a JSON list of thread ids, in each backend's words: \
         the dashboard tests run it on both backends",
    ),
    (
        "src/db/agent_runs.rs",
        1,
        "which runs predate the record of what runs were given reads a JSON list of run ids \
         in each backend's words: based_on::a_run_from_before_the_record_says_so… runs it on \
         both backends",
    ),
    (
        "src/db/drafts.rs",
        2,
        "the review queue is one JSON array on SQLite and rows on PostgreSQL, the arms \
         checked here: the API's draft list tests run it on both backends",
    ),
    (
        "src/db/jobs.rs",
        3,
        "the claim's subquery differs for queued and abandoned jobs and per backend: \
         jobs::tests, tests/api/fair_queue.rs and tests/api/restart.rs run both; \
         release and retry_later choose between the backend arms checked here",
    ),
    (
        "src/db/messages.rs",
        1,
        "the resend check chooses between the backend arms checked here",
    ),
    (
        "src/db/precedents.rs",
        2,
        "a run's precedents are stored from, and the panels read for, a JSON list in each \
         backend's words: tests/api/based_on.rs runs both on both backends",
    ),
    (
        "src/db/search.rs",
        2,
        "both searches choose between the backend arms checked here",
    ),
    (
        "src/db/style_notes.rs",
        1,
        "the notes the panels' runs were given read JSON lists of ids in each backend's \
         words, the arms checked here: based_on::the_panel_lists_the_notes_in_force… runs it \
         on both backends",
    ),
];

/// Statements outside the backend arms that do not prepare on PostgreSQL, by file and a
/// fragment of their text that no other statement of the file has, with why: unit tests
/// of SQLite itself. Every other statement outside the arms is shared: the same text runs
/// on both backends.
const SQLITE_ONLY: &[(&str, &str, &str)] = &[
    (
        "src/db/ids.rs",
        "typeof(",
        "a unit test of how SQLite stores ids (typeof is SQLite's)",
    ),
    (
        "src/db/time.rs",
        "typeof(",
        "a unit test of how SQLite stores timestamps (typeof is SQLite's)",
    ),
    (
        "src/db/time.rs",
        "strftime(",
        "a unit test against SQLite's default timestamp expression (strftime is SQLite's)",
    ),
];

/// Statements outside the backend arms that run only on PostgreSQL (on code paths
/// only it takes), by file and a fragment of their text, with why.
const POSTGRES_ONLY: &[(&str, &str, &str)] = &[
    (
        "src/db/mod.rs",
        "pg_advisory_xact_lock",
        "instances take turns with advisory locks; SQLite's single writer needs none",
    ),
    (
        "src/db/mod.rs",
        "SHOW server_version",
        "the server's version is checked at start",
    ),
    (
        "src/db/jobs.rs",
        "pg_notify",
        "queued jobs are announced to the other instances; SQLite runs one process per file",
    ),
];

/// Where `statement` is in `SQLITE_ONLY`, if it is.
fn listed(statement: &Statement) -> Option<usize> {
    SQLITE_ONLY
        .iter()
        .position(|(file, fragment, _)| statement.file == *file && statement.sql.contains(fragment))
}

fn each_sqlite_only_entry_names_one_statement(found: &[Statement]) {
    for (at, (file, fragment, _)) in SQLITE_ONLY.iter().enumerate() {
        let matching = found.iter().filter(|s| listed(s) == Some(at)).count();
        assert_eq!(
            matching, 1,
            "{file}: {fragment:?} should name one statement"
        );
    }
}

/// One statement found in the source.
#[derive(Debug)]
struct Statement {
    file: String,
    at: String,
    sql: String,
    /// The backend of a `Backend::… =>` arm; `None` for a shared statement.
    only: Option<&'static str>,
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Reads a Rust string literal starting at `text[0] == '"'`; returns its value and length.
fn string_literal(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, at + 1)),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                '"' => value.push('"'),
                '\\' => value.push('\\'),
                '\'' => value.push('\''),
                // A line continuation: the newline and the next line's indentation go.
                '\n' => {
                    while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                }
                other => {
                    value.push('\\');
                    value.push(other);
                }
            },
            other => value.push(other),
        }
    }
    None
}

/// `const NAME: T = <literal>;` in a file, by name: what `format!` placeholders stand for.
fn constants(source: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for (at, _) in source.match_indices("const ") {
        let rest = &source[at + "const ".len()..];
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((_, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value.trim_start();
        let text = if value.starts_with('"') {
            string_literal(value).map(|(v, _)| v)
        } else {
            value.split(';').next().map(|v| v.trim().replace('_', ""))
        };
        if let Some(text) = text {
            found.insert(name.trim().to_owned(), text);
        }
    }
    found
}

/// Every statement in `source`, and how many could not be read as text.
fn statements(file: &str, source: &str) -> (Vec<Statement>, usize) {
    let consts = constants(source);
    let mut found = Vec::new();
    let mut dynamic = 0;
    for call in [
        "sqlx::query(",
        "sqlx::query_as(",
        "sqlx::query_scalar(",
        "sqlx::query_as::<",
        "sqlx::query_scalar::<",
    ] {
        for (at, _) in source.match_indices(call) {
            let line = source[..at].lines().count();
            let mut rest = &source[at + call.len()..];
            if call.ends_with('<') {
                // Skip the turbofish to its call parenthesis.
                let Some(open) = rest.find(">(") else {
                    continue;
                };
                rest = &rest[open + 2..];
            }
            let rest = rest.trim_start();
            let (literal, is_format) = match rest.strip_prefix("&format!(") {
                Some(inner) => (inner.trim_start(), true),
                None => (rest, false),
            };
            let Some((mut sql, _)) = literal
                .starts_with('"')
                .then(|| string_literal(literal))
                .flatten()
            else {
                dynamic += 1;
                continue;
            };
            if is_format {
                for (name, value) in &consts {
                    sql = sql.replace(&format!("{{{name}}}"), value);
                }
                if sql.contains('{') {
                    dynamic += 1;
                    continue;
                }
            }
            found.push(Statement {
                file: file.to_owned(),
                at: format!("{file}:{line}"),
                sql,
                only: None,
            });
        }
    }
    for (arm, backend) in [
        ("Backend::Sqlite =>", "sqlite"),
        ("Backend::Postgres =>", "postgres"),
    ] {
        for (at, _) in source.match_indices(arm) {
            let rest = source[at + arm.len()..].trim_start();
            let rest = rest.strip_prefix('{').unwrap_or(rest).trim_start();
            let Some((sql, _)) = rest
                .starts_with('"')
                .then(|| string_literal(rest))
                .flatten()
            else {
                continue;
            };
            found.push(Statement {
                file: file.to_owned(),
                at: format!("{file}:{}", source[..at].lines().count()),
                sql,
                only: Some(backend),
            });
        }
    }
    (found, dynamic)
}

/// Every statement in `src/`, and how many could not be read as text, by file.
fn every_statement() -> (Vec<Statement>, BTreeMap<String, usize>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut all = Vec::new();
    let mut dynamic_by_file = BTreeMap::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("a source file");
        let file = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let (mut found, dynamic) = statements(&file, &source);
        for statement in &mut found {
            if POSTGRES_ONLY
                .iter()
                .any(|(f, fragment, _)| file == *f && statement.sql.contains(fragment))
            {
                statement.only = Some("postgres");
            }
        }
        if dynamic > 0 {
            dynamic_by_file.insert(file.clone(), dynamic);
        }
        all.extend(found);
    }
    (all, dynamic_by_file)
}

#[tokio::test]
async fn every_sql_statement_prepares_against_the_migrated_schema() {
    let (found, dynamic_by_file) = every_statement();
    // Checked here too, so that a stale entry shows without a PostgreSQL server.
    each_sqlite_only_entry_names_one_statement(&found);
    for backend in ["sqlite", "postgres"] {
        let arms = found.iter().filter(|s| s.only == Some(backend)).count();
        assert!(arms >= 7, "only {arms} {backend} arms found");
    }

    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("sql.db").display());
    let db = draftdesk::db::Db::open(&url, Default::default())
        .await
        .expect("the database opens");
    let draftdesk::db::Db::Sqlite { read, .. } = &db else {
        unreachable!("a sqlite: URL opens SQLite")
    };
    let mut conn = read.acquire().await.expect("a connection");

    let mut checked = 0;
    let mut failures = Vec::new();
    for statement in found.iter().filter(|s| s.only != Some("postgres")) {
        checked += 1;
        if let Err(error) = (&mut *conn).prepare(statement.sql.as_str()).await {
            failures.push(format!("{}: {error}\n    {}", statement.at, statement.sql));
        }
    }
    assert!(
        failures.is_empty(),
        "statements that do not prepare:\n{}",
        failures.join("\n")
    );
    // A sanity floor, so that a change in how queries are written cannot make this test
    // silently check nothing.
    assert!(checked >= 70, "only {checked} statements found");
    // And preparing does check names, not only syntax.
    assert!(
        (&mut *conn)
            .prepare("SELECT no_such_column FROM users")
            .await
            .is_err()
    );
    let expected: BTreeMap<String, usize> = DYNAMIC
        .iter()
        .map(|(file, count, _)| ((*file).to_owned(), *count))
        .collect();
    assert_eq!(
        dynamic_by_file, expected,
        "statements built at run time must be listed in DYNAMIC with the tests that run them"
    );
}

/// The same statements prepared on PostgreSQL against `migrations/postgres`: every one
/// but those in `SQLITE_ONLY` is shared by both backends and must prepare there too, and
/// each listed one must indeed fail, so that the list stays honest.
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half not run: set DRAFTDESK_TEST_POSTGRES_URL to a server URL (see README)"
)]
async fn every_shared_sql_statement_prepares_on_postgres() {
    let (found, _) = every_statement();
    each_sqlite_only_entry_names_one_statement(&found);

    let fresh = crate::postgres::FreshDatabase::create("sql").await;
    let migrated = fresh.migrate().await;
    let mut results = Vec::new();
    let mut names_checked = false;
    if migrated.is_ok() {
        let mut conn = fresh.pool.acquire().await.expect("a connection");
        for statement in found.iter().filter(|s| s.only != Some("sqlite")) {
            let prepared = (&mut *conn).prepare(statement.sql.as_str()).await;
            results.push((statement, prepared.map(|_| ()).map_err(|e| e.to_string())));
        }
        names_checked = (&mut *conn)
            .prepare("SELECT no_such_column FROM users")
            .await
            .is_err();
    }
    // Dropped before anything is asserted, so that a failure leaves no database behind.
    fresh.drop_database().await;
    migrated.expect("the PostgreSQL migrations apply");
    assert!(names_checked, "preparing checks names here too");

    let mut failures = Vec::new();
    let mut shared = 0;
    for (statement, prepared) in results {
        match (listed(statement), prepared) {
            (None, Ok(())) => shared += 1,
            (None, Err(error)) => {
                failures.push(format!("{}: {error}\n    {}", statement.at, statement.sql))
            }
            (Some(at), Ok(())) => failures.push(format!(
                "{}: listed in SQLITE_ONLY ({}) but prepares on PostgreSQL: \
                 take it off the list\n    {}",
                statement.at, SQLITE_ONLY[at].2, statement.sql
            )),
            (Some(_), Err(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "statements that do not prepare on PostgreSQL as expected:\n{}",
        failures.join("\n")
    );
    assert!(shared >= 60, "only {shared} shared statements found");
}

#[test]
fn literals_continuations_and_constants_are_read_as_the_compiler_reads_them() {
    let source = "const COLUMNS: &str = \"id, name\";\nconst LIMIT: i64 = 1_000;\n\
                  fn f() { sqlx::query_as(&format!(\"SELECT {COLUMNS} FROM users \\\n        \
                  WHERE id = $1 LIMIT {LIMIT}\")); sqlx::query(\"DELETE FROM \\\"users\\\"\"); \
                  sqlx::query(&sql); }";
    let (found, dynamic) = statements("x.rs", source);
    let sql: Vec<&str> = found.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "DELETE FROM \"users\"",
            "SELECT id, name FROM users WHERE id = $1 LIMIT 1000"
        ]
    );
    assert_eq!(dynamic, 1);
}
