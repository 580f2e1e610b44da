//! Job queue benchmark (run with `cargo bench --bench queue`; figures are recorded in
//! documentation/performance.md).
//!
//! 1. Throughput: jobs per second through the queue with 4 workers, against a fake
//!    OpenAI-compatible model on loopback that answers at once.
//! 2. Coalescing: a burst of 10 sends to one thread while the model takes 2 s per answer:
//!    how many model runs it costs and how many drafts it delivers.

#![allow(clippy::print_stdout)] // a benchmark reports on standard output

#[allow(dead_code)]
#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;

use std::time::{Duration, Instant};

use draftdesk::agent::Agent;
use draftdesk::config::JobSettings;
use draftdesk::db::{self, Db};
use draftdesk::inbox::{self, IncomingMessage};
use draftdesk::jobs::JobQueue;
use draftdesk::llm::{LlmClient, LlmConfig};
use fake_llm::{FakeLlm, Reply, draft};

async fn setup(
    model: Option<&FakeLlm>,
    dir: &tempfile::TempDir,
) -> (Db, JobQueue, db::users::User) {
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::open(&url, Default::default()).await.expect("database");
    let user = db::users::create(db.write(), "bench", "Bench", None)
        .await
        .expect("user");
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
    (db.clone(), JobQueue::new(db, agent, settings), user)
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
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, queue, user) = setup((!offline).then_some(&model), &dir).await;
    for i in 0..jobs {
        inbox::accept(
            &queue,
            &user,
            &format!("thread {i}"),
            one_message(format!("m{i}")),
        )
        .await
        .expect("queued");
    }
    let started = Instant::now();
    let workers = queue.start();
    while count(&db, "SELECT count(*) FROM jobs WHERE state = 'done'").await
        < i64::try_from(jobs).unwrap_or(0)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    workers.shutdown(Duration::from_secs(5)).await;
    let drafts = count(&db, "SELECT count(*) FROM drafts WHERE status = 'pending'").await;
    println!(
        "throughput ({}): {jobs} jobs in {:.2} s = {:.0} jobs/s with {} workers ({drafts} drafts stored)",
        if offline {
            "offline drafter, no HTTP"
        } else {
            "fake model over HTTP, 0 ms"
        },
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
        workers_count(),
    );
}

async fn burst() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_secs(2),
        Box::new(draft("One reply to the whole burst.")),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, queue, user) = setup(Some(&model), &dir).await;
    let workers = queue.start();
    let started = Instant::now();
    for i in 0..10 {
        inbox::accept(
            &queue,
            &user,
            "busy thread",
            one_message(format!("burst {i}")),
        )
        .await
        .expect("accepted");
        queue.wake();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while count(
        &db,
        "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')",
    )
    .await
        > 0
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    workers.shutdown(Duration::from_secs(5)).await;
    let runs = model.requests().len();
    let pending = count(&db, "SELECT count(*) FROM drafts WHERE status = 'pending'").await;
    let stale = count(
        &db,
        "SELECT count(*) FROM agent_runs WHERE outcome = 'stale'",
    )
    .await;
    println!(
        "burst: 10 sends over 1 s to one thread, model answering in 2 s: {runs} model runs \
         ({stale} stale), {pending} pending draft, settled after {:.1} s",
        elapsed.as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        throughput(2_000, false).await;
        throughput(2_000, true).await;
        burst().await;
    });
}
