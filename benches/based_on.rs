//! What "Based on" costs a page: the two reads that fill the panels of a dashboard page
//! (20 runs): the style notes each run was given, with what each note reads now, and the
//! precedents each run was shown, with the reviewer's exclusions. Run with
//! `cargo bench --bench based_on`; on PostgreSQL with `DATABASE_URL=postgres://…` naming
//! an empty database (it is filled, not cleaned). Figures are recorded in
//! documentation/performance.md.
//!
//! The data: one user with 2,000 threads and 10,000 runs, 30 notes (20 "always", 10 for
//! one contact each, 10 of them edited once), each run given 4 notes and shown 8
//! precedents (80,000 rows), and 300 exclusions.

#![allow(clippy::print_stdout)] // a benchmark reports on standard output

use std::time::{Duration, Instant};

use draftdesk::db::{self, Db, PoolSettings, RunId, UserId};
use sqlx::AnyPool;

const THREADS: i64 = 2_000;
const RUNS_PER_THREAD: i64 = 5;
const PRECEDENTS_PER_RUN: i64 = 8;
const PAGE: usize = 20;
const ROUNDS: usize = 500;

async fn exec(pool: &AnyPool, sql: &str) {
    sqlx::query(sql)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Fills the database; returns the user and the ids of the runs.
async fn seed(url: &str) -> (UserId, Vec<RunId>) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.expect("the database");
    exec(
        &pool,
        "INSERT INTO users (name, display_name) VALUES ('bench', 'Bench')",
    )
    .await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE name = 'bench'")
        .fetch_one(&pool)
        .await
        .expect("the user");
    for chunk in (1..=THREADS).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("({user}, 'thread {i}')"))
            .collect();
        exec(
            &pool,
            &format!(
                "INSERT INTO threads (user_id, name) VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    }
    let threads: Vec<i64> = sqlx::query_scalar("SELECT id FROM threads ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("threads");
    // 20 "always" notes, then 10 for one contact each; the first 10 edited once.
    for (i, contact) in threads.iter().take(30).enumerate() {
        let thread = if i < 20 {
            "NULL".to_owned()
        } else {
            contact.to_string()
        };
        exec(
            &pool,
            &format!(
                "INSERT INTO style_notes (user_id, thread_id, text, source) \
                 VALUES ({user}, {thread}, 'Note number {i}: keep it short and friendly.', 'settings')"
            ),
        )
        .await;
    }
    let notes: Vec<i64> = sqlx::query_scalar("SELECT id FROM style_notes ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("notes");
    for &note in &notes[..10] {
        exec(
            &pool,
            &format!(
                "UPDATE style_notes SET retired_at = '2026-01-01T00:00:00.000Z' WHERE id = {note}"
            ),
        )
        .await;
        exec(
            &pool,
            &format!(
                "INSERT INTO style_notes (user_id, text, source, origin_id, replaces_id) \
                 VALUES ({user}, 'Edited note {note}.', 'settings', {note}, {note})"
            ),
        )
        .await;
    }
    let given = format!("[{},{},{},{}]", notes[0], notes[11], notes[12], notes[25]);
    for chunk in threads.chunks(200) {
        let values: Vec<String> = chunk
            .iter()
            .flat_map(|t| {
                let given = given.clone();
                (0..RUNS_PER_THREAD).map(move |_| {
                    format!("({t}, 'new_messages', 'bench/model', 'drafted', '{given}')")
                })
            })
            .collect();
        exec(
            &pool,
            &format!(
                "INSERT INTO agent_runs (thread_id, trigger, model, outcome, style_note_ids) \
                 VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    }
    let runs: Vec<i64> = sqlx::query_scalar("SELECT id FROM agent_runs ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("runs");
    for chunk in runs.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .flat_map(|&run| {
                let threads = &threads;
                (0..PRECEDENTS_PER_RUN).map(move |p| {
                    let thread = threads[((run * 7 + p * 13) % THREADS) as usize];
                    format!(
                        "({run}, {p}, 'thread', {thread}, 'The last message of a conversation read in full.')"
                    )
                })
            })
            .collect();
        exec(
            &pool,
            &format!(
                "INSERT INTO run_precedents (run_id, position, kind, thread_id, excerpt) VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    }
    let values: Vec<String> = threads
        .iter()
        .step_by(7)
        .take(300)
        .enumerate()
        .map(|(i, t)| {
            let scope = if i % 2 == 0 {
                "NULL".to_owned()
            } else {
                threads[i].to_string()
            };
            format!("({user}, {scope}, {t})")
        })
        .collect();
    exec(
        &pool,
        &format!(
            "INSERT INTO excluded_precedents (user_id, for_thread_id, thread_id) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    pool.close().await;
    let user = UserId::new(user);
    (user, runs.into_iter().map(RunId::new).collect())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", folder.path().join("bench.db").display()));
    let database = Db::open(&url, PoolSettings::default())
        .await
        .expect("the database opens and is migrated");
    let (user, runs) = seed(&url).await;
    let mut times = Vec::with_capacity(ROUNDS);
    let mut note_times = Vec::with_capacity(ROUNDS);
    let (mut notes, mut precedents) = (0, 0);
    for round in 0..ROUNDS {
        // A page of 20 runs from somewhere in the history.
        let start = (round * 397) % (runs.len() - PAGE);
        let page = &runs[start..start + PAGE];
        let began = Instant::now();
        notes = db::style_notes::for_runs(database.read(), user, page)
            .await
            .expect("the notes")
            .len();
        note_times.push(began.elapsed());
        precedents = db::precedents::for_runs(database.read(), user, page)
            .await
            .expect("the precedents")
            .len();
        times.push(began.elapsed());
    }
    times.sort();
    note_times.sort();

    println!(
        "Based on, {} ({} runs, {} precedents): a page of {PAGE} panels ({notes} notes, \
         {precedents} precedents) in p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {ROUNDS} pages \
         (the notes' read alone: p50 {:.2} ms)",
        if url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        runs.len(),
        runs.len() as i64 * PRECEDENTS_PER_RUN,
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        percentile(&note_times, 0.5).as_secs_f64() * 1000.0,
    );
    database.close().await;
}
