//! Who may call the API, and what each caller can see.

use serde_json::json;

use crate::helpers::{error_body, json_body, message, spawn_app};

#[tokio::test]
async fn a_request_without_a_token_is_unauthorized() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/draft-messages/?user_id=anna"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    error_body(response, 401).await;
}

#[tokio::test]
async fn a_wrong_token_or_scheme_is_unauthorized() {
    let app = spawn_app().await;
    for header in [
        "Bearer ddt_not_a_real_token",
        "Basic YW5uYTpwdw==",
        "Bearer ",
    ] {
        let response = app
            .client
            .get(app.url("/draft-messages/?user_id=anna"))
            .header("authorization", header)
            .send()
            .await
            .expect("sent");
        error_body(response, 401).await;
    }
}

#[tokio::test]
async fn a_user_id_that_is_not_the_tokens_user_is_forbidden() {
    let app = spawn_app().await;
    app.add_user("bob").await;
    let error = error_body(app.get("/draft-messages/?user_id=bob").await, 403).await;
    assert_eq!(error["code"], "forbidden");
    let response = app
        .post(
            "/send-messages/",
            &json!({"user_id": "bob", "thread_name": "x", "messages": [message("1", "X", "hi")]}),
        )
        .await;
    error_body(response, 403).await;
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

#[tokio::test]
async fn the_token_works_as_a_path_prefix() {
    let app = spawn_app().await;
    let body =
        json!({"user_id": "anna", "thread_name": "Pat", "messages": [message("p1", "Pat", "hi")]});
    let response = app
        .client
        .post(app.url(&format!("/t/{}/send-messages/", app.token)))
        .json(&body)
        .send()
        .await
        .expect("sent");
    json_body(response, 202).await;
    let response = app
        .client
        .get(app.url(&format!("/t/{}/draft-messages?user_id=anna", app.token)))
        .send()
        .await
        .expect("sent");
    json_body(response, 200).await;
    let response = app
        .client
        .get(app.url("/t/ddt_wrong/draft-messages/?user_id=anna"))
        .send()
        .await
        .expect("sent");
    error_body(response, 401).await;
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    json_body(app.draft_messages().await, 200).await;
    sqlx::query("UPDATE api_tokens SET revoked_at = '2026-01-01T00:00:00.000Z'")
        .execute(&app.sql)
        .await
        .expect("revoke");
    error_body(app.draft_messages().await, 401).await;
}

#[tokio::test]
async fn one_user_never_sees_or_changes_another_users_drafts_or_jobs() {
    let app = spawn_app().await;
    let bob = app.add_user("bob").await;
    let sent = json_body(
        app.send_messages("Secret", json!([message("s1", "Zed", "private")]))
            .await,
        202,
    )
    .await;
    let job = sent["job_id"].as_i64().expect("job");
    let draft = app.insert_draft("anna", "Secret", "anna's draft").await;

    let listed = json_body(
        app.client
            .get(app.url("/draft-messages/?user_id=bob"))
            .bearer_auth(&bob)
            .send()
            .await
            .expect("sent"),
        200,
    )
    .await;
    assert_eq!(listed["draft_messages"], json!([]));
    for (path, extra) in [
        ("/reject-draft/", json!({})),
        ("/approve-draft/", json!({"final_content": "hijacked"})),
        ("/process-feedback/", json!({"feedback": "x"})),
    ] {
        let mut body = json!({"user_id": "bob", "draft_message_id": draft});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        error_body(app.post_as(&bob, path, &body).await, 404).await;
    }
    let response = app
        .client
        .get(app.url(&format!("/jobs/{job}")))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("sent");
    error_body(response, 404).await;
    assert_eq!(app.draft_status(&draft).await, "pending");

    // Bob's messages with the same ids are his own; Anna's are untouched.
    let response = app
        .post_as(
            &bob,
            "/send-messages/",
            &json!({"user_id": "bob", "thread_name": "Secret", "messages": [message("s1", "Zed", "bob's copy")]}),
        )
        .await;
    assert_eq!(json_body(response, 202).await["new_messages"], 1);
    assert_eq!(app.draft_status(&draft).await, "pending");
}

#[tokio::test]
async fn cors_preflights_are_answered_for_any_origin() {
    let app = spawn_app().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/send-messages/"))
        .header("origin", "https://www.linkedin.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"*"[..])
    );
}

#[tokio::test]
async fn every_api_endpoint_refuses_a_caller_without_a_token() {
    let app = spawn_app().await;
    let body = json!({"user_id": "anna", "thread_name": "t", "draft_message_id": "d", "feedback": "x",
                      "messages": [message("1", "A", "b")]});
    for (method, path) in [
        (reqwest::Method::POST, "/send-messages/"),
        (reqwest::Method::POST, "/send-messages"),
        (reqwest::Method::POST, "/process-feedback/"),
        (reqwest::Method::POST, "/reject-draft/"),
        (reqwest::Method::POST, "/approve-draft/"),
        (reqwest::Method::GET, "/draft-messages/?user_id=anna"),
        (reqwest::Method::GET, "/jobs/1"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .json(&body)
            .send()
            .await
            .expect("sent");
        let error = error_body(response, 401).await;
        assert_eq!(error["code"], "unauthorized", "{method} {path}");
    }
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}
