//! The storage and job core under pressure, against the release binary (run with
//! `cargo bench --bench pressure`; figures are recorded in documentation/performance.md).
//!
//! 1. Stress: three CPU-bound busy loops, `JOB_LEASE_SECS=1`, 4 workers, a model that
//!    answers in 0.3 s, 50 sequential sends of new threads: send latency (p50, p99, max)
//!    and how long after the last send every job is done.
//! 2. Fairness: 2 workers, a model that answers in 0.5 s; one user queues 60 threads at
//!    once, then another user sends one: how long until the second user's draft exists,
//!    five times, with the second user's send at five moments of the workers' cycle.
//! 3. Big pastes: 5,000-message form pastes, three at once, while another user sends
//!    single messages: the pastes' and the single sends' latency; and how long one write
//!    transaction of a large batch (100 messages) holds the writer, measured in-process.

#![allow(clippy::print_stdout)] // a benchmark reports on standard output

#[allow(dead_code)]
#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;
#[allow(dead_code)]
#[path = "../tests/support/process.rs"]
mod process;

use std::time::{Duration, Instant};

use draftdesk::db::{self, Db};
use draftdesk::inbox::{self, IncomingMessage};
use fake_llm::{FakeLlm, Reply, draft};
use process::{BusyLoops, Server};
use serde_json::json;

async fn user_with_token(db: &Db, name: &str) -> String {
    let user = db::users::create(db.write(), name, name, None)
        .await
        .expect("user");
    let token = draftdesk::auth::generate_token();
    db::tokens::insert(db.write(), user.id, "bench", &token.hash, &token.prefix)
        .await
        .expect("token");
    token.secret
}

struct Setup {
    db: Db,
    model: FakeLlm,
    dir: tempfile::TempDir,
    url: String,
}

async fn setup(model_delay: Duration) -> Setup {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(model_delay, Box::new(draft("Happy to talk."))));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pressure.db").display());
    let db = Db::open(&url, Default::default()).await.expect("database");
    Setup {
        db,
        model,
        dir,
        url,
    }
}

async fn start(setup: &Setup, settings: &[(&str, &str)]) -> Server {
    let mut all = vec![
        ("DATABASE_URL", setup.url.as_str()),
        ("LLM_BASE_URL", setup.model.base_url.as_str()),
        ("LLM_API_KEY", "bench-key"),
        ("LLM_TIMEOUT_SECS", "30"),
    ];
    all.extend_from_slice(settings);
    Server::start(setup.dir.path(), &all).await
}

async fn send(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    user: &str,
    thread: &str,
) -> (u16, Duration) {
    let body = json!({"user_id": user, "thread_name": thread, "messages": [{
        "message_id": format!("{user}-{thread}"), "sender_name": "Other Person",
        "message_content": "Could we talk about the proposal this week?"}]});
    let started = Instant::now();
    let response = client
        .post(format!("{server}/send-messages/"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite { read, .. } => sqlx::query_scalar(sql).fetch_one(read).await,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("count")
}

async fn stress() {
    let setup = setup(Duration::from_millis(300)).await;
    let token = user_with_token(&setup.db, "anna").await;
    let busy = BusyLoops::start(3);
    let server = start(&setup, &[("JOB_CONCURRENCY", "4"), ("JOB_LEASE_SECS", "1")]).await;
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    let mut statuses = Vec::new();
    for i in 0..50 {
        let (status, took) = send(&client, &server.address, &token, "anna", &format!("t{i}")).await;
        statuses.push(status);
        latencies.push(took);
    }
    let sent = Instant::now();
    while count(&setup.db, "SELECT count(*) FROM jobs WHERE state <> 'done'").await > 0 {
        assert!(
            sent.elapsed() < Duration::from_secs(120),
            "jobs did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let settled = sent.elapsed();
    drop(busy);
    latencies.sort();
    let accepted = statuses.iter().filter(|s| **s == 202).count();
    let done = count(&setup.db, "SELECT count(*) FROM jobs WHERE state = 'done'").await;
    println!(
        "stress: 50 sends, 3 busy loops, lease 1 s: {accepted}/50 answered 202; latency p50 {}, \
         p99 {}, max {}; all {done} jobs done {:.2} s after the last send",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies[latencies.len() - 1]),
        settled.as_secs_f64()
    );
}

async fn fairness() {
    let mut waits = Vec::new();
    // Bob sends at a different moment of the workers' cycle each time: right after anna's
    // backlog starts both workers (the worst case), and later in their model calls.
    for offset_ms in [0, 100, 200, 300, 400] {
        waits.push(fairness_once(Duration::from_millis(offset_ms)).await);
    }
    let text: Vec<String> = waits
        .iter()
        .map(|w| format!("{:.2}", w.as_secs_f64()))
        .collect();
    waits.sort();
    println!(
        "fairness: 2 workers, model 0.5 s, anna queued 60 threads at once; bob's first draft \
         came after [{}] s (median {:.2} s, max {:.2} s)",
        text.join(", "),
        waits[waits.len() / 2].as_secs_f64(),
        waits[waits.len() - 1].as_secs_f64()
    );
}

async fn fairness_once(offset: Duration) -> Duration {
    let setup = setup(Duration::from_millis(500)).await;
    let anna = user_with_token(&setup.db, "anna").await;
    let bob = user_with_token(&setup.db, "bob").await;
    let server = start(&setup, &[("JOB_CONCURRENCY", "2")]).await;
    let client = reqwest::Client::new();
    let mut backlog = tokio::task::JoinSet::new();
    for i in 0..60 {
        let (client, address, anna) = (client.clone(), server.address.clone(), anna.clone());
        backlog
            .spawn(async move { send(&client, &address, &anna, "anna", &format!("t{i}")).await });
    }
    while let Some(result) = backlog.join_next().await {
        assert_eq!(result.expect("a send").0, 202);
    }
    tokio::time::sleep(offset).await;
    let started = Instant::now();
    let (status, _) = send(&client, &server.address, &bob, "bob", "only").await;
    assert_eq!(status, 202);
    while count(
        &setup.db,
        "SELECT count(*) FROM drafts d JOIN users u ON u.id = d.user_id WHERE u.name = 'bob'",
    )
    .await
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no draft for bob"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

fn big_paste(thread: usize) -> String {
    (0..5_000)
        .map(|i| format!("Bob: message {i} of paste {thread}, about the proposal\n"))
        .collect()
}

async fn big_pastes() {
    let setup = setup(Duration::from_millis(300)).await;
    let anna = user_with_token(&setup.db, "anna").await;
    let bob = user_with_token(&setup.db, "bob").await;
    let server = start(&setup, &[("JOB_CONCURRENCY", "2")]).await;
    let client = reqwest::Client::new();
    let mut pastes = tokio::task::JoinSet::new();
    for thread in 0..3 {
        let (client, address, anna) = (client.clone(), server.address.clone(), anna.clone());
        pastes.spawn(async move {
            let text = big_paste(thread);
            let started = Instant::now();
            let response = client
                .post(format!("{address}/send-messages/"))
                .bearer_auth(&anna)
                .form(&[
                    ("user_id", "anna"),
                    ("thread_name", &format!("paste {thread}")),
                    ("conversation", &text),
                ])
                .send()
                .await
                .expect("sent");
            (response.status().as_u16(), started.elapsed())
        });
    }
    let mut singles = Vec::new();
    let mut i = 0;
    while !pastes.is_empty() && i < 200 {
        let (status, took) = send(&client, &server.address, &bob, "bob", &format!("s{i}")).await;
        assert_eq!(status, 202);
        singles.push(took);
        i += 1;
        // Reap finished pastes without waiting for the rest.
        while let Some(done) = pastes.try_join_next() {
            let (status, took) = done.expect("a paste");
            println!("  a 5,000-message paste answered {status} in {}", ms(took));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while let Some(done) = pastes.join_next().await {
        let (status, took) = done.expect("a paste");
        println!("  a 5,000-message paste answered {status} in {}", ms(took));
    }
    singles.sort();
    println!(
        "big pastes: {} single sends by another user while three 5,000-message pastes were \
         written: p50 {}, p99 {}, max {}",
        singles.len(),
        ms(percentile(&singles, 50.0)),
        ms(percentile(&singles, 99.0)),
        ms(singles[singles.len() - 1]),
    );
    drop(server);

    // One write part in-process: the longest the writer is held for a large batch.
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("parts.db").display());
    let db = Db::open(&url, Default::default()).await.expect("database");
    let user = db::users::create(db.write(), "anna", "Anna", None)
        .await
        .expect("user");
    let settings = draftdesk::config::JobSettings {
        max_queued_per_user: i64::MAX,
        ..Default::default()
    };
    let agent = draftdesk::agent::Agent::new(None, db.clone(), 8, Duration::from_secs(300));
    let queue = draftdesk::jobs::JobQueue::new(db.clone(), agent, settings);
    let mut parts = Vec::new();
    for thread in 0..50 {
        let messages = (0..100)
            .map(|i| IncomingMessage {
                sender_name: "Bob".to_owned(),
                content: format!("message {i} of thread {thread}, about the proposal"),
                date: "2026-11-25".to_owned(),
                time: format!("{:02}:{:02}", i / 60, i % 60),
                ..IncomingMessage::default()
            })
            .collect();
        let started = Instant::now();
        inbox::accept(&queue, &user, &format!("thread {thread}"), messages)
            .await
            .expect("stored");
        parts.push(started.elapsed());
    }
    parts.sort();
    println!(
        "one write part (100 new messages, its job and the dedupe read): p50 {}, p99 {}, max {}",
        ms(percentile(&parts, 50.0)),
        ms(percentile(&parts, 99.0)),
        ms(parts[parts.len() - 1]),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        stress().await;
        fairness().await;
        big_pastes().await;
    });
}
