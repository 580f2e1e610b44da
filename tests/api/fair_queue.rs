//! The queue is fair and bounded: one user's backlog does not hold back another user,
//! a user's queue has a cap, a draft has at most one queued revision, and a paste or
//! batch cannot exceed the message limit.

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_body, json_body, message, spawn_app, spawn_app_with};

async fn send_as(app: &TestApp, token: &str, user: &str, thread: &str, id: &str) -> Response {
    app.post_as(
        token,
        "/send-messages/",
        &json!({"user_id": user, "thread_name": thread,
                "messages": [message(id, "Someone", "Could we talk this week?")]}),
    )
    .await
}

/// Sends `count` new threads `t0`, `t1`, … at once, thread `i` with `messages(i)`; the
/// statuses, sorted.
async fn sends_at_once(
    app: &TestApp,
    count: usize,
    messages: impl Fn(usize) -> Vec<Value>,
) -> Vec<u16> {
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..count {
        let request = app
            .client
            .post(app.url("/send-messages/"))
            .bearer_auth(&app.token)
            .json(&json!({"user_id": "anna", "thread_name": format!("t{i}"),
                          "messages": messages(i)}));
        sends.spawn(async move { request.send().await.expect("sent").status().as_u16() });
    }
    let mut statuses = sends.join_all().await;
    statuses.sort_unstable();
    statuses
}

async fn feedback(app: &TestApp, draft: &str, text: &str) -> Response {
    app.post(
        "/process-feedback/",
        &json!({"user_id": app.user, "draft_message_id": draft, "feedback": text}),
    )
    .await
}

#[tokio::test]
async fn one_users_backlog_does_not_hold_back_another_users_first_job() {
    let app = spawn_app().await;
    let bob = app.add_user("bob").await;
    for i in 0..60 {
        json_body(
            send_as(
                &app,
                &app.token,
                "anna",
                &format!("anna {i}"),
                &format!("a{i}"),
            )
            .await,
            202,
        )
        .await;
    }
    json_body(
        send_as(&app, &bob, "bob", "bob's only thread", "b1").await,
        202,
    )
    .await;

    // Oldest first, bob's job would be the 61st to run; taking turns, it is the second.
    assert!(app.jobs.run_once().await.expect("a claim"));
    assert!(app.jobs.run_once().await.expect("a claim"));
    let bob_done = app
        .count(
            "SELECT count(*) FROM jobs j JOIN users u ON u.id = j.user_id \
             WHERE u.name = 'bob' AND j.state = 'done'",
        )
        .await;
    assert_eq!(bob_done, 1, "bob's first job ran right after anna's first");
    assert_eq!(app.run_jobs().await, 59);
    assert_eq!(
        app.count("SELECT count(*) FROM drafts WHERE status = 'pending'")
            .await,
        61
    );
}

#[tokio::test]
async fn a_full_queue_is_refused_with_429_and_retry_after_and_nothing_is_stored() {
    let app = spawn_app_with(|config| config.jobs.max_queued_per_user = 3).await;
    let bob = app.add_user("bob").await;
    for i in 0..3 {
        json_body(
            send_as(&app, &app.token, "anna", &format!("t{i}"), &format!("m{i}")).await,
            202,
        )
        .await;
    }
    let response = send_as(&app, &app.token, "anna", "t3", "m3").await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap_or("")),
        Some("30")
    );
    let error = error_body(response, 429).await;
    assert_eq!(error["code"], "queue_full");
    let text = error["message"].as_str().unwrap_or_default();
    assert!(text.contains("JOB_MAX_QUEUED_PER_USER"), "{text}");
    assert_eq!(
        app.count("SELECT count(*) FROM threads WHERE name = 't3'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE message_id = 'm3'")
            .await,
        0
    );

    // A message for a thread whose job is still queued joins that job: no new job.
    let joined = json_body(send_as(&app, &app.token, "anna", "t0", "m0b").await, 202).await;
    assert_eq!(joined["new_messages"], 1);
    // Another user's queue is their own.
    json_body(send_as(&app, &bob, "bob", "t0", "b0").await, 202).await;

    app.run_jobs().await;
    json_body(send_as(&app, &app.token, "anna", "t3", "m3").await, 202).await;
}

#[tokio::test]
async fn sends_at_once_to_new_threads_never_queue_past_the_cap() {
    // On PostgreSQL the sends run in parallel transactions: each must see the others'
    // jobs before it counts, or several find room for the last place.
    let app = spawn_app_with(|config| config.jobs.max_queued_per_user = 3).await;
    let statuses = sends_at_once(&app, 12, |i| {
        vec![message(&format!("m{i}"), "Someone", "Free this week?")]
    })
    .await;
    assert_eq!(statuses, [[202; 3].as_slice(), &[429; 9]].concat());
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .await,
        3
    );
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 3);
}

#[tokio::test]
async fn big_sends_at_once_never_queue_past_the_cap_either() {
    // A send of more than one write batch (100 messages) stores it in several commits:
    // its place in the queue is taken in the first one.
    let app = spawn_app_with(|config| config.jobs.max_queued_per_user = 3).await;
    let statuses = sends_at_once(&app, 8, |i| {
        (0..250)
            .map(|n| message(&format!("t{i}-m{n}"), "Someone", &format!("Line {n}")))
            .collect()
    })
    .await;
    assert_eq!(statuses, [[202; 3].as_slice(), &[429; 5]].concat());
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .await,
        3
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 750);
    // Each job is due at once: the whole thread was stored.
    assert_eq!(app.run_jobs().await, 3);
}

#[tokio::test]
async fn a_big_send_joining_a_job_in_backoff_leaves_it_waiting() {
    let app = spawn_app().await;
    let first = json_body(send_as(&app, &app.token, "anna", "t", "m0").await, 202).await;
    // The thread's job failed once and waits for its retry.
    sqlx::query("UPDATE jobs SET attempts = 1, run_at = $1")
        .bind("2999-01-01T00:00:00.000Z")
        .execute(&app.sql)
        .await
        .expect("backoff");
    let messages: Vec<Value> = (1..=250)
        .map(|n| message(&format!("m{n}"), "Someone", &format!("Line {n}")))
        .collect();
    let sent = app
        .post(
            "/send-messages/",
            &json!({"user_id": "anna", "thread_name": "t", "messages": messages}),
        )
        .await;
    let sent = json_body(sent, 202).await;
    assert_eq!(sent["new_messages"], 250);
    assert_eq!(sent["job_id"], first["job_id"], "the queued job was joined");
    assert_eq!(app.run_jobs().await, 0, "the retry is not due yet");
    let run_at: String = sqlx::query_scalar("SELECT run_at FROM jobs")
        .fetch_one(&app.sql)
        .await
        .expect("the job");
    assert_eq!(run_at, "2999-01-01T00:00:00.000Z");
}

#[tokio::test]
async fn feedback_given_before_the_revision_starts_joins_it_and_nothing_is_lost() {
    let app = spawn_app().await;
    json_body(
        app.send_messages("Jo", json!([message("j1", "Jo", "Lunch on Friday?")]))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let draft = app.pending_drafts().await[0]["draft_message_id"]
        .as_str()
        .expect("a draft")
        .to_owned();

    let mut job_ids = Vec::new();
    // Ten points, each sent three times (a client retrying, a double click).
    for _ in 0..3 {
        for i in 0..10 {
            let text = format!("point {i}");
            let body = json_body(feedback(&app, &draft, &text).await, 202).await;
            job_ids.push(body["job_id"].as_i64().expect("a job id"));
        }
    }
    job_ids.dedup();
    assert_eq!(
        job_ids.len(),
        1,
        "every piece of feedback joined one revision"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'revise'")
            .await,
        1
    );

    // More feedback than one revision takes is refused, and what was queued stays.
    let long = "x".repeat(9_990);
    let error = error_body(feedback(&app, &draft, &long).await, 409).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("10000"),
        "{error}"
    );

    assert_eq!(app.run_jobs().await, 1);
    let revised = app.pending_drafts().await;
    let given = revised[0]["feedback"]
        .as_str()
        .expect("the revision's feedback");
    let expected: Vec<String> = (0..10).map(|i| format!("point {i}")).collect();
    assert_eq!(given, expected.join("\n\n"));
    assert_eq!(app.draft_status(&draft).await, "superseded");
}

#[tokio::test]
async fn a_paste_with_more_messages_than_the_limit_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let text: String = (0..5_001).map(|i| format!("Bob: message {i}\n")).collect();
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .form(&[
            ("user_id", "anna"),
            ("thread_name", "Bob"),
            ("conversation", &text),
        ])
        .send()
        .await
        .expect("sent");
    let error = error_body(response, 422).await;
    assert_eq!(error["field"], "conversation");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("5001") && message.contains("5000"),
        "{message}"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 0);
}

#[tokio::test]
async fn a_large_batch_is_stored_whole_in_order_with_one_job() {
    let app = spawn_app().await;
    // Undated messages keep their place after the one before; 1,000 of them cross many
    // write parts.
    let messages: Vec<Value> = (0..1_000)
        .map(|i| {
            json!({"message_id": format!("m{i}"), "sender_name": "Bob", "date": "Unknown",
                   "time": "", "message_content": format!("line {i}")})
        })
        .collect();
    let body = json_body(
        app.send_messages("Bob", Value::Array(messages.clone()))
            .await,
        202,
    )
    .await;
    assert_eq!(body["new_messages"], 1_000);
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 1);
    let order: Vec<String> =
        sqlx::query_scalar("SELECT content FROM messages ORDER BY sort_key, id")
            .fetch_all(&app.sql)
            .await
            .expect("messages");
    let expected: Vec<String> = (0..1_000).map(|i| format!("line {i}")).collect();
    assert_eq!(order, expected);
    let again = json_body(app.send_messages("Bob", Value::Array(messages)).await, 202).await;
    assert_eq!(again["new_messages"], 0);
}
