//! Bad input gets a clear JSON error naming the problem, and changes nothing.

use serde_json::json;

use crate::helpers::{error_body, json_body, message, spawn_app};

#[tokio::test]
async fn a_missing_field_is_named() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/send-messages/",
            &json!({"user_id": "anna", "thread_name": "x", "messages": [{"message_id": "1", "message_content": "hi"}]}),
        )
        .await;
    let error = error_body(response, 422).await;
    assert_eq!(error["code"], "invalid_field");
    assert_eq!(error["field"], "messages[0]");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("sender_name"),
        "{error}"
    );
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 0);
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_named() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/send-messages/",
            &json!({"user_id": "anna", "thread_name": "x", "messages": [{"sender_name": 7, "message_content": "hi"}]}),
        )
        .await;
    let error = error_body(response, 422).await;
    assert_eq!(error["field"], "messages[0].sender_name");
    let response = app
        .post(
            "/send-messages/",
            &json!({"user_id": "anna", "thread_name": "x", "messages": "hi"}),
        )
        .await;
    assert_eq!(error_body(response, 422).await["field"], "messages");
}

#[tokio::test]
async fn empty_and_blank_values_are_refused_by_name() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"user_id": "anna", "thread_name": "x", "messages": []}),
            "messages",
        ),
        (
            json!({"user_id": "anna", "thread_name": "  ", "messages": [message("1", "A", "b")]}),
            "thread_name",
        ),
        (
            json!({"user_id": "anna", "thread_name": "x", "messages": [message("1", " ", "b")]}),
            "messages[0].sender_name",
        ),
    ];
    for (body, field) in cases {
        let error = error_body(app.post("/send-messages/", &body).await, 422).await;
        assert_eq!(error["field"], field);
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let app = spawn_app().await;
    for body in ["{\"user_id\": ", "not json", ""] {
        let response = app
            .client
            .post(app.url("/send-messages/"))
            .bearer_auth(&app.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        error_body(response, 400).await;
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_too_large() {
    let app = spawn_app().await;
    let huge = "x".repeat(1024 * 1024 + 1);
    let response = app
        .post(
            "/send-messages/",
            &json!({"user_id": "anna", "thread_name": "x", "messages": [message("1", "A", &huge)]}),
        )
        .await;
    let error = error_body(response, 413).await;
    assert_eq!(error["code"], "payload_too_large");
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

#[tokio::test]
async fn an_unsupported_content_type_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .header("content-type", "application/xml")
        .body("<messages/>")
        .send()
        .await
        .expect("sent");
    error_body(response, 415).await;
}

#[tokio::test]
async fn json_without_a_content_type_is_still_read() {
    let app = spawn_app().await;
    let body = json!({"user_id": "anna", "thread_name": "x", "messages": [message("1", "A", "b")]});
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    json_body(response, 202).await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_crashing() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_client_error(), "{}", response.status());
    json_body(app.get("/healthz").await, 200).await;
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json_errors() {
    let app = spawn_app().await;
    error_body(app.get("/no-such-endpoint").await, 404).await;
    error_body(app.get("/send-messages/").await, 405).await;
}

#[tokio::test]
async fn the_missing_user_id_query_parameter_is_named() {
    let app = spawn_app().await;
    let error = error_body(app.get("/draft-messages/").await, 422).await;
    assert_eq!(error["field"], "user_id");
}

#[tokio::test]
async fn ids_sent_as_numbers_are_accepted() {
    let app = spawn_app().await;
    let body = json!({"user_id": "anna", "thread_name": "n", "messages": [
        {"message_id": 12345, "sender_name": "N", "message_content": "numeric id"}
    ]});
    json_body(app.post("/send-messages/", &body).await, 202).await;
    let id: String = sqlx::query_scalar("SELECT message_id FROM messages")
        .fetch_one(&app.db.read)
        .await
        .expect("stored");
    assert_eq!(id, "12345");
}
