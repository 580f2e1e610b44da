//! Several draftdesk instances on one database (issue 15): what one instance learns, the
//! others know. Each test builds two apps on the same database, as two servers behind a
//! load balancer would run, and talks to both over HTTP.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::database::{Backend, TestDatabase};
use crate::helpers::{TestApp, json_body, message, spawn_app_on, spawn_app_without_users};
use crate::pages::{Browser, assert_see_other, csrf};

const PASSWORD: &str = "correct horse battery";

/// A sign-in attempt through `app` from a client of its own.
async fn attempt(app: &TestApp, name: &str, password: &str) -> Response {
    let browser = Browser::new(app);
    let html = browser.page("/login").await;
    browser
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf(&html).as_str()),
            ("name", name),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("sent")
}

async fn status_of(app: &TestApp, name: &str, password: &str) -> StatusCode {
    attempt(app, name, password).await.status()
}

#[tokio::test]
async fn sign_in_failures_counted_by_one_instance_hold_back_the_others() {
    let first = spawn_app_without_users(|_| {}).await;
    let second = first.another_instance(|_| {}).await;
    for name in ["anna", "bob"] {
        draftdesk::accounts::add_user(&first.db, name, None, Some(PASSWORD))
            .await
            .expect("user");
    }

    for guess in 0..5 {
        assert_eq!(
            status_of(&first, "bob", "guess").await,
            422,
            "guess {guess} at Bob through the first instance"
        );
    }
    let refused = attempt(&second, "Bob", PASSWORD).await;
    assert_eq!(
        refused.status(),
        429,
        "the second instance knows of Bob's failures"
    );
    assert!(refused.headers().contains_key("retry-after"));
    let page = refused.text().await.expect("page");
    assert!(
        page.contains("Too many failed sign-ins. Try again in"),
        "{page}"
    );

    // A success through one instance clears the account's failures for all of them.
    for _ in 0..4 {
        assert_eq!(status_of(&first, "anna", "guess").await, 422);
    }
    assert_eq!(status_of(&second, "anna", PASSWORD).await, 303);
    for guess in 0..4 {
        assert_eq!(
            status_of(&first, "anna", "guess").await,
            422,
            "guess {guess} after her success elsewhere"
        );
    }
    assert_eq!(status_of(&first, "anna", PASSWORD).await, 303);
}

#[tokio::test]
async fn every_instance_shows_and_accepts_the_same_setup_link_until_the_first_account() {
    let first = spawn_app_without_users(|_| {}).await;
    let token = first
        .setup_token
        .clone()
        .expect("a setup link on first run");
    let second = first.another_instance(|_| {}).await;
    assert_eq!(
        second.setup_token.as_deref(),
        Some(token.as_str()),
        "both instances print the same link"
    );

    // The link printed by the first instance works on the second.
    let setup = format!("/setup?token={token}");
    let browser = Browser::new(&second);
    let response = browser
        .submit(
            &setup,
            "/setup",
            &[
                ("token", &token),
                ("name", "anna"),
                ("display_name", "Anna Schmidt"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    assert!(browser.page("/").await.contains("Welcome, Anna Schmidt"));

    // Used on one instance, it is used on all, and a later start prints none.
    assert_eq!(Browser::new(&first).get(&setup).await.status(), 404);
    assert_eq!(first.count("SELECT count(*) FROM setup_tokens").await, 0);
    let third = first.another_instance(|_| {}).await;
    assert_eq!(third.setup_token, None);
}

#[tokio::test]
async fn a_restarted_instance_prints_the_link_it_printed_before() {
    let first = spawn_app_without_users(|_| {}).await;
    let token = first
        .setup_token
        .clone()
        .expect("a setup link on first run");
    let again = first.another_instance(|_| {}).await;
    assert_eq!(again.setup_token, Some(token.clone()));
    assert_eq!(
        Browser::new(&again)
            .get("/setup?token=0123456789abcdef0123456789abcdef")
            .await
            .status(),
        404,
        "another token is refused"
    );
    assert_eq!(
        Browser::new(&again)
            .get(&format!("/setup?token={token}"))
            .await
            .status(),
        200
    );
}

/// Waits (generously: the machine may be busy) until the job is done, as the client
/// that queued it sees it.
async fn wait_until_done(app: &TestApp, job: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = json_body(app.job(job).await, 200).await;
        if state["state"] == "done" {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "job {job} was not drafted within a minute: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// On PostgreSQL a job queued through an instance without workers is taken at once by
/// another instance's idle workers, whose poll alone would not look for an hour: the
/// database's notification wakes them. (SQLite runs one process per database file, whose
/// own workers are woken in the process.)
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half not run: set DRAFTDESK_TEST_POSTGRES_URL to a server URL (see README)"
)]
async fn a_job_queued_through_one_instance_wakes_the_workers_of_another() {
    let mut front = spawn_app_on(TestDatabase::on(Backend::Postgres).await, |config| {
        config.jobs.concurrency = 0;
    })
    .await;
    front.token = front.add_user("anna").await;
    front.user = "anna".to_owned();
    let _worker = front
        .another_instance(|config| {
            config.jobs.concurrency = 1;
            config.jobs.poll_interval = Duration::from_secs(3600);
        })
        .await;

    // The first job may be found by the worker's first look; once it is done, the worker
    // waits, and only a wake-up brings it back before the hour is out.
    let first = json_body(
        front
            .send_messages("first", json!([message("m1", "Bob", "Are you around?")]))
            .await,
        202,
    )
    .await;
    wait_until_done(&front, &first["job_id"]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let second = json_body(
        front
            .send_messages("second", json!([message("m2", "Cleo", "Lunch on Friday?")]))
            .await,
        202,
    )
    .await;
    let job = wait_until_done(&front, &second["job_id"]).await;
    assert_eq!(job["thread_name"], "second");
    let drafts = front.pending_drafts().await;
    assert_eq!(drafts.len(), 2, "{drafts:?}");
}
