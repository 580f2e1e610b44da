//! Stopping the server: running jobs finish within the grace period, the rest stay queued.

use std::time::Duration;

use draftdesk::app::Application;
use draftdesk::config::Config;
use draftdesk::db;
use draftdesk::llm::LlmConfig;
use serde_json::json;
use tokio::sync::oneshot;

use crate::database::TestDatabase;
use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{any_pool, message, send_to, user_with_token};

/// Starts a server with one worker; returns its address, token, database and stopper.
async fn serve_with_one_worker(
    model: &FakeLlm,
    grace: Duration,
) -> (
    String,
    String,
    db::Db,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
    TestDatabase,
) {
    let database = TestDatabase::create().await;
    let mut config = Config::for_database(database.url.clone());
    config.llm = Some(LlmConfig {
        base_url: model.base_url.clone(),
        api_key: Some("k".to_owned()),
        model: "test/model".to_owned(),
        timeout: Duration::from_secs(10),
    });
    config.jobs.concurrency = 1;
    config.jobs.shutdown_grace = grace;
    let app = Application::build(config).await.expect("app");
    let db = app.state().db.clone();
    let token = user_with_token(&db, "anna").await;
    let address = format!("http://{}", app.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.serve(async {
            let _ = stopped.await;
        })
        .await
        .expect("served");
    });
    (address, token, db, stop, server, database)
}

async fn send_two_threads(address: &str, token: &str) {
    let client = reqwest::Client::new();
    for name in ["first", "second"] {
        let body = json!({"user_id": "anna", "thread_name": name, "messages": [message(name, "Bob", "Hi?")]});
        let response = send_to(&client, address, token, &body).await;
        assert_eq!(response.status(), 202);
    }
}

/// The server closed its pools when it stopped; look at what it left in the database.
async fn reopen(database: &TestDatabase) -> sqlx::AnyPool {
    any_pool(&database.url).await
}

async fn states(db: &sqlx::AnyPool) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT t.name, j.state, j.attempts FROM jobs j JOIN threads t ON t.id = j.thread_id ORDER BY j.id",
    )
    .fetch_all(db)
    .await
    .expect("jobs")
}

#[tokio::test]
async fn stopping_lets_the_running_job_finish_and_leaves_the_rest_queued() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_millis(700),
        Box::new(draft("Finished during shutdown.")),
    ));
    let (address, token, _, stop, server, dir) =
        serve_with_one_worker(&model, Duration::from_secs(10)).await;
    send_two_threads(&address, &token).await;
    model.wait_for_requests(1).await;

    stop.send(()).expect("stop");
    server.await.expect("the server stopped");
    let db = reopen(&dir).await;

    assert_eq!(
        states(&db).await,
        [
            ("first".to_owned(), "done".to_owned(), 1),
            ("second".to_owned(), "queued".to_owned(), 0)
        ]
    );
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM drafts WHERE status = 'pending'")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(pending, 1);
}

#[tokio::test]
async fn a_job_still_running_after_the_grace_period_is_queued_again() {
    let model = FakeLlm::start().await;
    model.always(Reply::Slow(
        Duration::from_secs(8),
        Box::new(draft("too slow")),
    ));
    let (address, token, _, stop, server, dir) =
        serve_with_one_worker(&model, Duration::from_millis(200)).await;
    send_two_threads(&address, &token).await;
    model.wait_for_requests(1).await;

    stop.send(()).expect("stop");
    server.await.expect("the server stopped");
    let db = reopen(&dir).await;

    assert_eq!(
        states(&db).await,
        [
            ("first".to_owned(), "queued".to_owned(), 0),
            ("second".to_owned(), "queued".to_owned(), 0)
        ]
    );
    let interrupted: (String, String) = sqlx::query_as("SELECT outcome, error FROM agent_runs")
        .fetch_one(&db)
        .await
        .expect("the run");
    assert_eq!(interrupted.0, "failed");
    assert!(
        interrupted.1.starts_with("interrupted"),
        "{}",
        interrupted.1
    );
}
