//! A message's identity is `(thread, message_id)`: the same id in two threads is two
//! messages, a resend to one thread is stored once, and the migration that made it so
//! keeps every row.

use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, message, spawn_app};
use crate::pages::signed_in;

/// How many rows `messages` holds for a message id in the thread named `thread`.
async fn stored_in(app: &TestApp, thread: &str, message_id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id \
         WHERE t.name = $1 AND m.message_id = $2",
    )
    .bind(thread)
    .bind(message_id)
    .fetch_one(&app.sql)
    .await
    .expect("count query")
}

/// The old plugin's id for a message: a hash of sender, date, time and text, so the same
/// words from the same person in the same minute get the same id in any thread.
fn thanks() -> Value {
    let id = draftdesk::inbox::derived_message_id("Sam", "2026-11-24", "10:00", "Thanks!");
    message(&id, "Sam", "Thanks!")
}

#[tokio::test]
async fn the_same_message_id_in_two_threads_is_stored_in_both_and_both_are_drafted() {
    let app = spawn_app().await;
    let a = json_body(
        app.send_messages(
            "Team A",
            json!([thanks(), message("a1", "Sam", "Can we meet on Tuesday?")]),
        )
        .await,
        202,
    )
    .await;
    let b = json_body(
        app.send_messages(
            "Team B",
            json!([thanks(), message("b1", "Sam", "Is the invoice paid?")]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(a["new_messages"], 2);
    assert_eq!(b["new_messages"], 2, "{b}");
    assert_ne!(a["thread_id"], b["thread_id"]);
    assert!(a["job_id"].is_i64() && b["job_id"].is_i64());
    assert_ne!(a["job_id"], b["job_id"]);

    let id = thanks()["message_id"].as_str().expect("an id").to_owned();
    assert_eq!(stored_in(&app, "Team A", &id).await, 1);
    assert_eq!(stored_in(&app, "Team B", &id).await, 1);

    assert_eq!(app.run_jobs().await, 2);
    let mut drafted: Vec<String> = app
        .pending_drafts()
        .await
        .iter()
        .map(|d| d["thread_name"].as_str().expect("a name").to_owned())
        .collect();
    drafted.sort();
    assert_eq!(drafted, ["Team A", "Team B"]);

    let browser = signed_in(&app, "anna").await;
    for body in [&a, &b] {
        let page = browser
            .page(&format!("/threads/{}", body["thread_id"]))
            .await;
        assert!(
            page.contains("Thanks!"),
            "the thread page shows the message"
        );
    }
}

#[tokio::test]
async fn a_thread_whose_every_message_is_in_another_thread_is_created_and_drafted() {
    let app = spawn_app().await;
    let messages = json!([
        message("shared-1", "Sam", "Hello, are you free for a call?"),
        message("shared-2", "Sam", "Tuesday or Wednesday?"),
    ]);
    let first = json_body(
        app.send_messages("Sam (LinkedIn)", messages.clone()).await,
        202,
    )
    .await;

    let second = json_body(app.send_messages("Sam (email)", messages).await, 202).await;
    assert_eq!(second["new_messages"], 2, "{second}");
    let thread_id = second["thread_id"]
        .as_i64()
        .expect("the thread was created");
    assert_ne!(Some(thread_id), first["thread_id"].as_i64());
    assert!(
        second["job_id"].is_i64(),
        "a draft job was queued: {second}"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 4);

    app.run_jobs().await;
    let drafted: Vec<Value> = app
        .pending_drafts()
        .await
        .into_iter()
        .filter(|d| d["thread_name"] == "Sam (email)")
        .collect();
    assert_eq!(drafted.len(), 1);
}

#[tokio::test]
async fn a_resend_to_the_same_thread_stores_nothing_even_when_another_thread_has_the_id() {
    let app = spawn_app().await;
    let a_messages = json!([thanks(), message("a1", "Sam", "See you at 3?")]);
    let b_messages = json!([thanks()]);
    let a = json_body(app.send_messages("Team A", a_messages.clone()).await, 202).await;
    let b = json_body(app.send_messages("Team B", b_messages.clone()).await, 202).await;
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 3);
    let jobs = app.count("SELECT count(*) FROM jobs").await;

    for (thread, messages, first) in [("Team A", a_messages, &a), ("Team B", b_messages, &b)] {
        let again = json_body(app.send_messages(thread, messages).await, 202).await;
        assert_eq!(again["new_messages"], 0, "{thread}: {again}");
        assert!(again["job_id"].is_null(), "{thread}: {again}");
        assert_eq!(again["thread_id"], first["thread_id"], "{thread}");
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, jobs);
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 2);
}
