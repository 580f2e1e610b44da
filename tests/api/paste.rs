//! `POST /send-messages/` with a pasted conversation in a form's `conversation` field.

use reqwest::Response;
use serde_json::Value;

use crate::helpers::{Flag, TestApp, error_body, json_body, spawn_app};

async fn paste(app: &TestApp, thread: &str, text: &str, format: Option<&str>) -> Response {
    let mut form = vec![
        ("user_id", "anna"),
        ("thread_name", thread),
        ("conversation", text),
    ];
    if let Some(format) = format {
        form.push(("format", format));
    }
    app.client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .form(&form)
        .send()
        .await
        .expect("sent")
}

async fn stored(app: &TestApp) -> Vec<(String, String, bool, Option<String>)> {
    let rows: Vec<(String, String, Flag, Option<String>)> = sqlx::query_as(
        "SELECT sender_name, content, is_mine, sent_at FROM messages ORDER BY sort_key, id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("messages");
    rows.into_iter()
        .map(|(sender, content, Flag(mine), sent_at)| (sender, content, mine, sent_at))
        .collect()
}

const LINKEDIN: &str = "Today\r\nBob Baker  9:02 AM\r\nHi Anna, are you open to a chat about the CTO role?\r\nanna  9:15 AM\r\nHi Bob, tell me more.\r\nBob Baker  9:20 AM\r\nIt's a Series A fintech in Berlin. Free on Tuesday?\r\n";

#[tokio::test]
async fn a_pasted_conversation_is_read_stored_and_queued() {
    let app = spawn_app().await;
    let body = json_body(paste(&app, "Bob", LINKEDIN, None).await, 202).await;
    assert_eq!(body["new_messages"], 3);
    assert!(body["job_id"].is_i64());
    assert_eq!(body["paste"]["messages"], 3);
    let rows = stored(&app).await;
    let senders: Vec<(&str, bool)> = rows.iter().map(|r| (r.0.as_str(), r.2)).collect();
    assert_eq!(
        senders,
        [("Bob Baker", false), ("anna", true), ("Bob Baker", false)]
    );
    assert_eq!(
        rows[2].1,
        "It's a Series A fintech in Berlin. Free on Tuesday?"
    );
    assert!(
        rows.iter()
            .all(|r| r.3.as_deref().is_some_and(|t| t.ends_with(":00"))),
        "{rows:?}"
    );
}

#[tokio::test]
async fn pasting_the_same_conversation_again_adds_nothing() {
    let app = spawn_app().await;
    json_body(paste(&app, "Bob", LINKEDIN, None).await, 202).await;
    sqlx::query("UPDATE jobs SET state = 'done'")
        .execute(&app.sql)
        .await
        .expect("update");
    let again = json_body(paste(&app, "Bob", LINKEDIN, None).await, 202).await;
    assert_eq!(again["new_messages"], 0);
    assert!(again["job_id"].is_null());
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 1);
}

#[tokio::test]
async fn a_whatsapp_export_keeps_its_day_first_dates() {
    let app = spawn_app().await;
    let export = "[24/11/2026, 18:03:12] Cleo: Are we still on for Friday?\n[24/11/2026, 18:05:40] anna: Yes! 7pm?\n[25/11/2026, 09:12:01] Cleo: Perfect, see you there 🎉\n";
    let body = json_body(paste(&app, "Cleo", export, Some("whatsapp")).await, 202).await;
    assert_eq!(body["paste"]["format"], "whatsapp");
    let rows = stored(&app).await;
    let times: Vec<Option<&str>> = rows.iter().map(|r| r.3.as_deref()).collect();
    assert_eq!(
        times,
        [
            Some("2026-11-24T18:03:12"),
            Some("2026-11-24T18:05:40"),
            Some("2026-11-25T09:12:01")
        ]
    );
    assert!(rows[1].2, "anna's own message is marked as hers");
}

#[tokio::test]
async fn text_that_fits_no_format_is_one_message_from_them_with_a_warning() {
    let app = spawn_app().await;
    let body = json_body(
        paste(&app, "Note", "can you send me the slides from today", None).await,
        202,
    )
    .await;
    assert_eq!(body["new_messages"], 1);
    let warnings = body["paste"]["warnings"].as_array().expect("warnings");
    assert!(!warnings.is_empty(), "{body}");
    assert_eq!(stored(&app).await[0].0, "Them");
}

#[tokio::test]
async fn an_empty_paste_or_an_unknown_format_is_refused_by_name() {
    let app = spawn_app().await;
    let error = error_body(paste(&app, "X", "   \n ", None).await, 422).await;
    assert_eq!(error["field"], "conversation");
    let error: Value = error_body(paste(&app, "X", "Bob: hi", Some("telegram")).await, 422).await;
    assert_eq!(error["field"], "format");
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

/// The user of these tests appears as "Anna Schmidt" in real copies.
async fn as_anna_schmidt(app: &TestApp) {
    sqlx::query("UPDATE users SET my_names = '[\"Anna Schmidt\", \"anna\"]' WHERE name = 'anna'")
        .execute(&app.sql)
        .await
        .expect("names");
}

#[tokio::test]
async fn a_real_linkedin_copy_is_drafted_for_its_last_message_not_the_header() {
    let app = spawn_app().await;
    as_anna_schmidt(&app).await;
    let text = include_str!("../fixtures/paste/linkedin-page.txt");
    let body = json_body(paste(&app, "Daniel", text, None).await, 202).await;
    assert_eq!(body["paste"]["format"], "linkedin");
    let rows = stored(&app).await;
    assert!(
        rows.iter()
            .all(|r| !r.1.contains("Active 2h ago") && !r.1.contains("Seen by")),
        "{rows:?}"
    );
    let last = rows.last().expect("messages");
    assert_eq!(last.0, "Daniel Weber");
    assert!(last.1.starts_with("Quick heads-up"), "{last:?}");
    app.run_jobs().await;
    assert_eq!(app.pending_drafts().await.len(), 1, "a reply is drafted");
}

#[tokio::test]
async fn a_received_email_chain_gets_a_draft() {
    let app = spawn_app().await;
    as_anna_schmidt(&app).await;
    let text = include_str!("../fixtures/paste/email-received.txt");
    let body = json_body(paste(&app, "Thomas", text, None).await, 202).await;
    assert_eq!(body["paste"]["format"], "email");
    let rows = stored(&app).await;
    let top = rows.last().expect("messages");
    assert!(
        !top.2,
        "the newest message is Thomas's, not the user's: {rows:?}"
    );
    app.run_jobs().await;
    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1, "a reply is drafted");
    assert!(
        drafts[0]["draft_message_content"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Hi Thomas")
    );
}
