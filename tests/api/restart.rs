//! The real `draftdesk` binary, killed with SIGKILL while jobs run, finishes them after
//! a restart on the same database.

use std::time::{Duration, Instant};

use draftdesk::db::{Db, PoolSettings};
use serde_json::json;

use crate::database::TestDatabase;
use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{any_pool, message, send_to, user_with_token};
use crate::process::{Server, job_states};

async fn start_server(dir: &std::path::Path, database_url: &str, model_url: &str) -> Server {
    Server::start(
        dir,
        &[
            ("DATABASE_URL", database_url),
            ("LLM_BASE_URL", model_url),
            ("LLM_API_KEY", "test-key"),
            ("LLM_TIMEOUT_SECS", "10"),
            ("JOB_CONCURRENCY", "4"),
            ("JOB_LEASE_SECS", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_server_killed_mid_run_finishes_its_jobs_after_restart() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_millis(300),
        Box::new(draft("Drafted after all.")),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    let db = Db::open(&url, PoolSettings::default())
        .await
        .expect("database");
    let token = user_with_token(&db, "anna").await;
    let sql = any_pool(&url).await;

    let mut server = start_server(dir.path(), &url, &model.base_url).await;
    let threads = 50;
    let new_messages = send_threads(&server, &token, threads).await;
    assert_eq!(new_messages, vec![1; threads]);
    model.wait_for_requests(6).await;
    server.kill();
    let running = job_states(&sql)
        .await
        .into_iter()
        .find(|(s, _)| s == "running");
    assert!(
        running.is_some_and(|(_, n)| n > 0),
        "jobs were claimed when the server died"
    );

    server.restart().await;
    let started = Instant::now();
    loop {
        let states = job_states(&sql).await;
        if states.iter().all(|(state, _)| state == "done") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "jobs did not finish: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Resending every message after the crash stores nothing twice.
    assert_eq!(
        send_threads(&server, &token, threads).await,
        vec![0; threads]
    );
    drop(server);

    let per_thread: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.name, (SELECT count(*) FROM drafts d WHERE d.thread_id = t.id AND d.status = 'pending') \
         FROM threads t ORDER BY t.name",
    )
    .fetch_all(&sql)
    .await
    .expect("drafts per thread");
    assert_eq!(per_thread.len(), threads);
    assert!(
        per_thread.iter().all(|(_, pending)| *pending == 1),
        "{per_thread:?}"
    );
    assert_eq!(db_count(&sql, "SELECT count(*) FROM messages").await, 50);
    assert_eq!(
        db_count(
            &sql,
            "SELECT count(*) FROM agent_runs WHERE outcome IS NULL"
        )
        .await,
        0
    );
    assert!(
        db_count(
            &sql,
            "SELECT count(*) FROM agent_runs WHERE error LIKE 'interrupted%'"
        )
        .await
            > 0,
        "the runs cut short by the kill are recorded as interrupted"
    );
}

/// Sends one message to each of `threads` threads; returns how many were new in each.
async fn send_threads(server: &Server, token: &str, threads: usize) -> Vec<i64> {
    let client = reqwest::Client::new();
    let mut new_messages = Vec::new();
    for i in 0..threads {
        let body = json!({"user_id": "anna", "thread_name": format!("thread {i}"),
                          "messages": [message(&format!("m{i}"), "Bob", "Are you around?")]});
        let response = send_to(&client, &server.address, token, &body).await;
        assert_eq!(response.status(), 202);
        let body: serde_json::Value = response.json().await.expect("json");
        new_messages.push(body["new_messages"].as_i64().unwrap_or(-1));
    }
    new_messages
}

async fn db_count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}
