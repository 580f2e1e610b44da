//! The storage and job core under pressure: the real binary on a busy machine, with a
//! short job lease, answers every send promptly and finishes every job.

use std::time::{Duration, Instant};

use draftdesk::db::{Db, PoolSettings};
use serde_json::json;

use crate::database::TestDatabase;
use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{any_pool, message, user_with_token};
use crate::process::{BusyLoops, Server, job_states};

#[tokio::test]
async fn fifty_sends_on_a_busy_machine_with_a_one_second_lease_are_all_answered_and_drafted() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_millis(300),
        Box::new(draft("Happy to talk.")),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    let db = Db::open(&url, PoolSettings::default())
        .await
        .expect("database");
    let token = user_with_token(&db, "anna").await;
    let sql = any_pool(&url).await;
    let busy = BusyLoops::start(4);
    let server = Server::start(
        dir.path(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("LLM_BASE_URL", model.base_url.as_str()),
            ("LLM_API_KEY", "test-key"),
            ("LLM_TIMEOUT_SECS", "10"),
            ("JOB_CONCURRENCY", "4"),
            ("JOB_LEASE_SECS", "1"),
        ],
    )
    .await;

    let client = reqwest::Client::new();
    let sends = 50;
    let mut slowest = Duration::ZERO;
    for i in 0..sends {
        let body = json!({"user_id": "anna", "thread_name": format!("thread {i}"),
                          "messages": [message(&format!("m{i}"), "Bob", "Are you around?")]});
        let started = Instant::now();
        let response = client
            .post(format!("{}/send-messages/", server.address))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        let took = started.elapsed();
        let status = response.status();
        assert_eq!(
            status,
            202,
            "send {i} after {took:?}: {}",
            response.text().await.unwrap_or_default()
        );
        slowest = slowest.max(took);
    }
    // A writer stall shows as a send waiting for the 30 s pool timeout (then 408); a
    // healthy server answers in milliseconds even with the CPU busy.
    assert!(
        slowest < Duration::from_secs(5),
        "the slowest send took {slowest:?}"
    );

    let started = Instant::now();
    loop {
        let states = job_states(&sql).await;
        if states == vec![("done".to_owned(), 50)] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "jobs did not finish: {states:?}\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM drafts WHERE status = 'pending'")
        .fetch_one(&sql)
        .await
        .expect("count");
    assert_eq!(pending, 50);
    let log = server.log_text();
    assert!(!log.contains("could not renew"), "{log}");
    drop(busy);
}

#[tokio::test]
async fn a_huge_unreadable_model_answer_is_quoted_only_briefly_in_the_log_and_the_job() {
    let model = FakeLlm::start().await;
    // 300 KB of a private conversation in something that is not a chat completion.
    let body = format!(
        "{{\"choices\": \"{}\"}}",
        "private words from a thread ".repeat(11_000)
    );
    model.always(Reply::Garbage(Box::leak(body.into_boxed_str())));
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    let db = Db::open(&url, PoolSettings::default())
        .await
        .expect("database");
    let token = user_with_token(&db, "anna").await;
    let sql = any_pool(&url).await;
    let server = Server::start(
        dir.path(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("LLM_BASE_URL", model.base_url.as_str()),
            ("LLM_API_KEY", "test-key"),
            ("JOB_CONCURRENCY", "1"),
        ],
    )
    .await;
    let response = reqwest::Client::new()
        .post(format!("{}/send-messages/", server.address))
        .bearer_auth(&token)
        .json(&json!({"user_id": "anna", "thread_name": "Bob",
                      "messages": [message("m1", "Bob", "Are you around?")]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 202);
    // The first retry comes after one to two seconds.
    model.wait_for_requests(2).await;
    let started = Instant::now();
    let error: String = loop {
        let error: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM jobs WHERE attempts >= 2 AND state = 'queued'",
        )
        .fetch_optional(&sql)
        .await
        .expect("the job")
        .flatten();
        if let Some(error) = error {
            break error;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the second attempt did not end"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(error.contains("not a chat completion"), "{error}");
    assert!(
        error.len() < 1_000,
        "the job's error is {} bytes",
        error.len()
    );
    let log = server.log_text();
    assert!(
        log.len() < 10_000,
        "two attempts wrote {} bytes of log",
        log.len()
    );
}
