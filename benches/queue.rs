//! Job queue benchmark (run with `cargo bench --bench queue`; figures are recorded in
//! documentation/performance.md).
//!
//! 1. Throughput: jobs per second through the queue with 4 workers, against a fake
//!    OpenAI-compatible model on loopback that answers at once.
//! 2. Coalescing: a burst of 10 sends to one thread while the model takes 2 s per answer:
//!    how many model runs it costs and how many drafts it delivers.
//!
//! Settings, from the environment:
//! - `BENCH_WORKERS=N`: workers per instance (default 4).
//! - `DATABASE_URL=postgres://…`: run on PostgreSQL instead of a fresh SQLite file. The URL
//!   names a server where the bench may create databases; each scenario gets a fresh
//!   database `draftdesk_bench_<pid>_<n>`, dropped at its end.
//! - `BENCH_INSTANCES=2` (PostgreSQL only): two instances on the one database, each a
//!   `Db` with its own pool, its own `JobQueue` and `BENCH_WORKERS` workers, as two
//!   servers would have; they share this process and its runtime (the machine's cores
//!   are shared either way). Jobs are queued through the first; sends in the burst go to
//!   the first, which wakes only its own workers (the second finds work by polling).

#![allow(clippy::print_stdout)] // a benchmark reports on standard output

#[allow(dead_code)]
#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use draftdesk::agent::Agent;
use draftdesk::config::JobSettings;
use draftdesk::db::{self, Db};
use draftdesk::inbox::{self, IncomingMessage};
use draftdesk::jobs::{JobQueue, Workers};
use draftdesk::llm::{LlmClient, LlmConfig};
use fake_llm::{FakeLlm, Reply, draft};

/// Where a scenario's database lives, removed when dropped (the SQLite folder) or by
/// [`Database::remove`] (the PostgreSQL database).
enum Database {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl Database {
    async fn create() -> Self {
        match std::env::var("DATABASE_URL") {
            Ok(server) if server.starts_with("postgres:") || server.starts_with("postgresql:") => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let name = format!(
                    "draftdesk_bench_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                admin(&server, &format!("CREATE DATABASE {name}")).await;
                Self::Postgres { server, name }
            }
            _ => Self::Sqlite(tempfile::tempdir().expect("temp dir")),
        }
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("bench.db").display()),
            Self::Postgres { server, name } => with_database(server, name),
        }
    }

    async fn remove(self) {
        if let Self::Postgres { server, name } = self {
            admin(
                &server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Runs one statement on the server `url` names.
async fn admin(url: &str, sql: &str) {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect to the PostgreSQL server in DATABASE_URL");
    sqlx::query(sql).execute(&mut conn).await.expect(sql);
    sqlx::Connection::close(conn).await.expect("close");
}

/// `url` with its database (the path) replaced by `name`; the query string is kept.
fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let path = url[authority..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority + i);
    let query = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[query..])
}

/// The instances of one scenario, all on one database: the first one's `Db` and the
/// queues, the first queue first.
struct Instances {
    db: Db,
    queues: Vec<JobQueue>,
    user: db::users::User,
}

impl Instances {
    fn start(&self) -> Vec<Workers> {
        self.queues.iter().map(JobQueue::start).collect()
    }
}

async fn shutdown(workers: Vec<Workers>) {
    for w in workers {
        w.shutdown(Duration::from_secs(5)).await;
    }
}

async fn setup(model: Option<&FakeLlm>, database: &Database) -> Instances {
    let url = database.url();
    let mut queues = Vec::new();
    for _ in 0..instances_count() {
        let db = Db::open(&url, Default::default()).await.expect("database");
        let llm = model.map(|model| {
            LlmClient::new(&LlmConfig {
                base_url: model.base_url.clone(),
                api_key: Some("k".to_owned()),
                model: "bench/model".to_owned(),
                timeout: Duration::from_secs(30),
            })
            .expect("client")
        });
        let agent = Agent::new(llm, db.clone(), 8, Duration::from_secs(300));
        let settings = JobSettings {
            concurrency: workers_count(),
            poll_interval: Duration::from_millis(20),
            // The throughput run queues every job up front, for one user.
            max_queued_per_user: i64::MAX,
            ..JobSettings::default()
        };
        queues.push(JobQueue::new(db, agent, settings));
    }
    let db = queues[0].db().clone();
    let user = db::users::create(db.write(), "bench", "Bench", None)
        .await
        .expect("user");
    Instances { db, queues, user }
}

fn one_message(id: String) -> Vec<IncomingMessage> {
    vec![IncomingMessage {
        message_id: Some(id),
        sender_name: "Other Person".to_owned(),
        date: "2026-11-25".to_owned(),
        time: "10:00".to_owned(),
        content: "Could we talk about the proposal this week?".to_owned(),
        ..IncomingMessage::default()
    }]
}

fn instances_count() -> usize {
    std::env::var("BENCH_INSTANCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_usize)
        .max(1)
}

fn on_postgres() -> bool {
    std::env::var("DATABASE_URL")
        .is_ok_and(|url| url.starts_with("postgres:") || url.starts_with("postgresql:"))
}

fn backend() -> String {
    let backend = if on_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    format!(
        "{backend}, {} instance(s) x {} workers",
        instances_count(),
        workers_count()
    )
}

fn workers_count() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite { read, .. } => sqlx::query_scalar(sql).fetch_one(read).await,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("count")
}

async fn throughput(jobs: usize, offline: bool) {
    let model = FakeLlm::start().await;
    model.always(draft("Sure, how about Thursday?"));
    let database = Database::create().await;
    let instances = setup((!offline).then_some(&model), &database).await;
    let (db, user) = (&instances.db, &instances.user);
    for i in 0..jobs {
        inbox::accept(
            &instances.queues[0],
            user,
            &format!("thread {i}"),
            one_message(format!("m{i}")),
        )
        .await
        .expect("queued");
    }
    let started = Instant::now();
    let workers = instances.start();
    while count(db, "SELECT count(*) FROM jobs WHERE state = 'done'").await
        < i64::try_from(jobs).unwrap_or(0)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    shutdown(workers).await;
    let drafts = count(db, "SELECT count(*) FROM drafts WHERE status = 'pending'").await;
    println!(
        "throughput ({}; {}): {jobs} jobs in {:.2} s = {:.0} jobs/s ({drafts} drafts stored)",
        if offline {
            "offline drafter, no HTTP"
        } else {
            "fake model over HTTP, 0 ms"
        },
        backend(),
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
    );
    for queue in &instances.queues {
        queue.db().close().await;
    }
    database.remove().await;
}

async fn burst() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_secs(2),
        Box::new(draft("One reply to the whole burst.")),
    ));
    let database = Database::create().await;
    let instances = setup(Some(&model), &database).await;
    let (db, user, queue) = (&instances.db, &instances.user, &instances.queues[0]);
    let workers = instances.start();
    let started = Instant::now();
    for i in 0..10 {
        inbox::accept(
            queue,
            user,
            "busy thread",
            one_message(format!("burst {i}")),
        )
        .await
        .expect("accepted");
        queue.wake();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while count(
        db,
        "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')",
    )
    .await
        > 0
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    shutdown(workers).await;
    let runs = model.requests().len();
    let pending = count(db, "SELECT count(*) FROM drafts WHERE status = 'pending'").await;
    let stale = count(
        db,
        "SELECT count(*) FROM agent_runs WHERE outcome = 'stale'",
    )
    .await;
    println!(
        "burst ({}): 10 sends over 1 s to one thread, model answering in 2 s: {runs} model runs \
         ({stale} stale), {pending} pending draft, settled after {:.1} s",
        backend(),
        elapsed.as_secs_f64()
    );
    for queue in &instances.queues {
        queue.db().close().await;
    }
    database.remove().await;
}

fn main() -> std::process::ExitCode {
    if instances_count() > 1 && !on_postgres() {
        eprintln!(
            "BENCH_INSTANCES={} needs DATABASE_URL=postgres://…: a SQLite file is served by \
             one process",
            instances_count()
        );
        return std::process::ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        throughput(2_000, false).await;
        throughput(2_000, true).await;
        burst().await;
    });
    std::process::ExitCode::SUCCESS
}
