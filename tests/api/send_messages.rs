//! `POST /send-messages/`: storing, dedupe, supersede, coalescing, lenient dates, forms.

use serde_json::json;

use crate::helpers::{Flag, error_body, json_body, message, spawn_app};

#[tokio::test]
async fn new_messages_are_stored_and_a_draft_job_is_queued() {
    let app = spawn_app().await;
    let response = app
        .send_messages(
            "Anna Schmidt",
            json!([
                message("m1", "Anna Schmidt", "Hi! Are you free next week?"),
                message("m2", "anna", "Let me check."),
            ]),
        )
        .await;
    let body = json_body(response, 202).await;
    assert_eq!(body["new_messages"], 2);
    assert_eq!(body["thread_name"], "Anna Schmidt");
    let job_id = body["job_id"].as_i64().expect("a job id");

    let stored: Vec<(String, String, Flag)> = sqlx::query_as(
        "SELECT m.message_id, m.content, m.is_mine FROM messages m \
         JOIN threads t ON t.id = m.thread_id WHERE t.name = 'Anna Schmidt' ORDER BY m.id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("query");
    let stored: Vec<(String, String, bool)> = stored
        .into_iter()
        .map(|(id, c, Flag(m))| (id, c, m))
        .collect();
    assert_eq!(
        stored,
        vec![
            ("m1".into(), "Hi! Are you free next week?".into(), false),
            ("m2".into(), "Let me check.".into(), true),
        ]
    );
    let job: (String, String) = sqlx::query_as("SELECT kind, state FROM jobs WHERE id = $1")
        .bind(job_id)
        .fetch_one(&app.sql)
        .await
        .expect("the job exists");
    assert_eq!(job, ("draft".into(), "queued".into()));
}

#[tokio::test]
async fn resending_an_unchanged_thread_stores_nothing_and_queues_no_job() {
    let app = spawn_app().await;
    let thread = json!([
        message("m1", "Bob", "Hello"),
        message("m2", "Bob", "Still there?")
    ]);
    let first = json_body(app.send_messages("Bob", thread.clone()).await, 202).await;
    // The first job finished, so a resend that queued anything would show as a new row.
    sqlx::query("UPDATE jobs SET state = 'done'")
        .execute(&app.sql)
        .await
        .expect("update");

    let body = json_body(app.send_messages("Bob", thread).await, 202).await;
    assert_eq!(body["new_messages"], 0);
    assert!(body["job_id"].is_null());
    assert_eq!(body["thread_id"], first["thread_id"]);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 1);
}

#[tokio::test]
async fn a_message_sent_twice_in_one_request_is_stored_once() {
    let app = spawn_app().await;
    let m = message("dup", "Bob", "Hello");
    let body = json_body(app.send_messages("Bob", json!([m.clone(), m])).await, 202).await;
    assert_eq!(body["new_messages"], 1);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 1);
}

#[tokio::test]
async fn a_missing_message_id_is_derived_from_sender_time_and_content() {
    let app = spawn_app().await;
    let m = json!({"sender_name": "Bob", "date": "2026-11-24", "time": "10:00", "message_content": "Hi"});
    json_body(app.send_messages("Bob", json!([m.clone()])).await, 202).await;
    let id: String = sqlx::query_scalar("SELECT message_id FROM messages")
        .fetch_one(&app.sql)
        .await
        .expect("stored");
    assert_eq!(
        id,
        draftdesk::inbox::derived_message_id("Bob", "2026-11-24", "10:00", "Hi")
    );
    assert_eq!(id.len(), 64);
    // The same message without an id again is recognised as seen.
    let body = json_body(app.send_messages("Bob", json!([m])).await, 202).await;
    assert_eq!(body["new_messages"], 0);
}

#[tokio::test]
async fn a_new_message_supersedes_the_pending_draft_and_queues_drafting() {
    let app = spawn_app().await;
    json_body(
        app.send_messages("Carla", json!([message("c1", "Carla", "Lunch?")]))
            .await,
        202,
    )
    .await;
    let draft = app.insert_draft("anna", "Carla", "Sure, Tuesday?").await;
    sqlx::query("UPDATE jobs SET state = 'done'")
        .execute(&app.sql)
        .await
        .expect("update");

    let body = json_body(
        app.send_messages(
            "Carla",
            json!([
                message("c1", "Carla", "Lunch?"),
                message("c2", "Carla", "Or dinner?")
            ]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(body["new_messages"], 1);
    assert_eq!(body["superseded_draft_message_id"], draft.as_str());
    assert_eq!(app.draft_status(&draft).await, "superseded");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .await,
        1
    );
    let listed = json_body(app.draft_messages().await, 200).await;
    assert_eq!(listed["draft_messages"], json!([]));
}

#[tokio::test]
async fn a_burst_of_new_messages_coalesces_into_one_queued_job() {
    let app = spawn_app().await;
    let mut job_ids = Vec::new();
    for i in 0..5 {
        let body = json_body(
            app.send_messages("Dan", json!([message(&format!("d{i}"), "Dan", "ping")]))
                .await,
            202,
        )
        .await;
        assert_eq!(body["new_messages"], 1);
        job_ids.push(body["job_id"].as_i64().expect("a job id"));
    }
    assert!(job_ids.iter().all(|id| *id == job_ids[0]), "{job_ids:?}");
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 1);
}

#[tokio::test]
async fn messages_during_a_running_job_queue_exactly_one_follow_up() {
    let app = spawn_app().await;
    let first = json_body(
        app.send_messages("Eve", json!([message("e1", "Eve", "one")]))
            .await,
        202,
    )
    .await;
    let running = first["job_id"].as_i64().expect("a job id");
    sqlx::query("UPDATE jobs SET state = 'running' WHERE id = $1")
        .bind(running)
        .execute(&app.sql)
        .await
        .expect("update");

    let second = json_body(
        app.send_messages("Eve", json!([message("e2", "Eve", "two")]))
            .await,
        202,
    )
    .await;
    let third = json_body(
        app.send_messages("Eve", json!([message("e3", "Eve", "three")]))
            .await,
        202,
    )
    .await;
    let follow_up = second["job_id"].as_i64().expect("a job id");
    assert_ne!(follow_up, running);
    assert_eq!(third["job_id"].as_i64(), Some(follow_up));
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 2);
}

#[tokio::test]
async fn each_thread_gets_its_own_job() {
    let app = spawn_app().await;
    let a = json_body(
        app.send_messages("T1", json!([message("x1", "X", "a")]))
            .await,
        202,
    )
    .await;
    let b = json_body(
        app.send_messages("T2", json!([message("x2", "Y", "b")]))
            .await,
        202,
    )
    .await;
    assert_ne!(a["job_id"], b["job_id"]);
    assert_eq!(app.count("SELECT count(*) FROM jobs").await, 2);
}

#[tokio::test]
async fn undated_messages_that_open_a_new_thread_stay_before_the_dated_ones() {
    let app = spawn_app().await;
    let m = |id: &str, date: &str, time: &str, text: &str| json!({"message_id": id, "sender_name": "Dan", "date": date, "time": time, "message_content": text});
    json_body(
        app.send_messages(
            "Dan",
            json!([
                m("d0", "", "", "an undated opening"),
                m("d1", "2026-01-30", "09:00", "first dated"),
                m("d2", "2026-01-30", "09:05", "the last word"),
            ]),
        )
        .await,
        202,
    )
    .await;
    let order: Vec<String> =
        sqlx::query_scalar("SELECT content FROM messages ORDER BY sort_key, id")
            .fetch_all(&app.sql)
            .await
            .expect("query");
    assert_eq!(
        order,
        ["an undated opening", "first dated", "the last word"]
    );
    // The review card quotes the last dated message, not the undated opening.
    app.run_jobs().await;
    let user = draftdesk::db::users::find_by_name(app.db.read(), "anna")
        .await
        .expect("query")
        .expect("anna");
    let (cards, _) = draftdesk::db::activity::review_queue(&app.db, user.id, 20, 0)
        .await
        .expect("the review queue");
    assert_eq!(cards[0].answers_content.as_deref(), Some("the last word"));
}

#[tokio::test]
async fn lenient_dates_and_times_are_kept_raw_and_ordered_by_time_then_arrival() {
    let app = spawn_app().await;
    let m = |id: &str, date: &str, time: &str, text: &str| json!({"message_id": id, "sender_name": "Fay", "date": date, "time": time, "message_content": text});
    let body = json_body(
        app.send_messages(
            "Fay",
            json!([
                m("f3", "2026-01-30", "8:48 PM", "third"),
                m("f1", "2026-01-30", "09:15:30", "first"),
                m("f2", "Jan 30", "14:05", "second"),
                m(
                    "f4",
                    "Unknown",
                    "Unknown",
                    "unparsed, keeps its place after second"
                ),
            ]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(body["new_messages"], 4);
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT content, raw_date, raw_time, sent_at FROM messages ORDER BY sort_key, id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("query");
    let contents: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        contents,
        [
            "first",
            "second",
            "unparsed, keeps its place after second",
            "third"
        ]
    );
    assert_eq!(rows[0].3.as_deref(), Some("2026-01-30T09:15:30"));
    assert_eq!(rows[1].1, "Jan 30");
    assert!(
        rows[1]
            .3
            .as_deref()
            .is_some_and(|t| t.ends_with("-01-30T14:05:00"))
    );
    assert_eq!(
        (rows[2].1.as_str(), rows[2].2.as_str()),
        ("Unknown", "Unknown")
    );
    assert_eq!(rows[2].3, None);
    assert_eq!(rows[3].3.as_deref(), Some("2026-01-30T20:48:00"));
}

#[tokio::test]
async fn date_and_time_may_be_missing_or_null() {
    let app = spawn_app().await;
    let body = json_body(
        app.send_messages(
            "Gus",
            json!([
                {"message_id": "g1", "sender_name": "Gus", "message_content": "no date"},
                {"message_id": "g2", "sender_name": "Gus", "date": null, "time": null, "message_content": "null date"},
            ]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(body["new_messages"], 2);
}

#[tokio::test]
async fn the_path_works_with_and_without_the_trailing_slash() {
    let app = spawn_app().await;
    for (i, path) in ["/send-messages", "/send-messages/"].iter().enumerate() {
        let body = json!({"user_id": "anna", "thread_name": "Hal", "messages": [message(&format!("h{i}"), "Hal", "hi")]});
        json_body(app.post(path, &body).await, 202).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 2);
}

#[tokio::test]
async fn a_form_post_stores_one_message() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .form(&[
            ("user_id", "anna"),
            ("thread_name", "Ida"),
            ("sender_name", "Ida"),
            ("message_content", "Sent from a webhook"),
            ("time", "8:48 PM"),
        ])
        .send()
        .await
        .expect("sent");
    let body = json_body(response, 202).await;
    assert_eq!(body["new_messages"], 1);
    let content: String = sqlx::query_scalar("SELECT content FROM messages")
        .fetch_one(&app.sql)
        .await
        .expect("stored");
    assert_eq!(content, "Sent from a webhook");
}

#[tokio::test]
async fn a_form_post_without_a_sender_names_the_missing_field() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .form(&[
            ("user_id", "anna"),
            ("thread_name", "Ida"),
            ("message_content", "x"),
        ])
        .send()
        .await
        .expect("sent");
    let error = error_body(response, 422).await;
    assert_eq!(error["field"], "sender_name");
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}
