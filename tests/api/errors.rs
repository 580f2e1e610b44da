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
    assert_eq!(error["field"], "messages[0].sender_name");
    assert_eq!(error["message"], "messages[0].sender_name is required");
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
        .fetch_one(&app.sql)
        .await
        .expect("stored");
    assert_eq!(id, "12345");
}

/// Old clients show `error.message || error`: the message stands at the top level too,
/// and names the field once, in the same path style as `field`.
#[tokio::test]
async fn errors_carry_a_top_level_message_naming_the_field_once() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"user_id": "anna", "thread_name": "x", "messages": [message("1", "A", "b"), message("2", " ", "c")]}),
            "messages[1].sender_name",
            "messages[1].sender_name must not be empty",
        ),
        (
            json!({"user_id": "anna", "thread_name": "x", "messages": [{"sender_name": 7, "message_content": "hi"}]}),
            "messages[0].sender_name",
            "messages[0].sender_name must be a string, not integer `7`",
        ),
        (
            json!({"user_id": "anna", "thread_name": "x", "messages": [{"sender_name": "A", "message_content": "hi", "colour": "red"}]}),
            "messages[0].colour",
            "messages[0].colour is not a known field; see the API's fields in README.md",
        ),
        (
            json!({"user_id": "anna", "messages": [message("1", "A", "b")]}),
            "thread_name",
            "thread_name is required",
        ),
    ];
    for (body, field, text) in cases {
        let response = app.post("/send-messages/", &body).await;
        let whole = json_body(response, 422).await;
        assert_eq!(whole["error"]["field"], field, "{whole}");
        assert_eq!(whole["error"]["message"], text, "{whole}");
        assert_eq!(whole["message"], text, "{whole}");
    }
    for (path, status) in [("/nothing-here", 404), ("/jobs/abc", 404)] {
        let whole = json_body(app.get(path).await, status).await;
        assert!(whole["message"].is_string(), "{whole}");
        assert_eq!(whole["message"], whole["error"]["message"]);
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

/// A base URL that ends in '/' makes `//send-messages/`: it reaches the endpoint.
#[tokio::test]
async fn repeated_slashes_reach_the_endpoint() {
    let app = spawn_app().await;
    let body = json!({"user_id": "anna", "thread_name": "Slashes", "messages": [message("s1", "Jo", "hi")]});
    let under_token = format!("/t/{}//send-messages/", app.token);
    for path in ["//send-messages/", "/send-messages//", under_token.as_str()] {
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(&app.token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 202, "{path}");
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 1);
    let job = app
        .client
        .get(app.url("//jobs//1?x=1"))
        .bearer_auth(&app.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(job.status().as_u16(), 200);
}

/// Browsers hide a response without CORS headers as "Failed to fetch": every API answer
/// carries them, errors, unknown API paths and wrong methods included; pages do not.
#[tokio::test]
async fn api_errors_carry_cors_headers_and_pages_do_not() {
    let app = spawn_app().await;
    let token_path = format!("/t/{}/no-such-endpoint/", app.token);
    let bad_token = "/t/not-a-token/send-messages/".to_owned();
    let cases = [
        (reqwest::Method::GET, "/send-messages/".to_owned(), 405),
        (reqwest::Method::POST, "/draft-messages/".to_owned(), 405),
        (reqwest::Method::GET, token_path, 404),
        (reqwest::Method::POST, bad_token, 401),
        (reqwest::Method::GET, "/jobs/123456".to_owned(), 404),
    ];
    for (method, path, status) in cases {
        let response = app
            .client
            .request(method, app.url(&path))
            .header("origin", "https://www.linkedin.com")
            .bearer_auth(&app.token)
            .json(&json!({}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes()),
            Some(&b"*"[..]),
            "{path} answers without CORS"
        );
        let body: serde_json::Value = response.json().await.expect("a JSON error");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
    for path in ["/login", "/jobs/1/retry", "/no-such-page"] {
        let response = app
            .client
            .get(app.url(path))
            .header("origin", "https://www.linkedin.com")
            .send()
            .await
            .expect("sent");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path} is not an API address"
        );
    }
}
