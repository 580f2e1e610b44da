//! `GET /jobs/{id}` and `GET /healthz`.

use serde_json::json;

use crate::helpers::{error_body, json_body, message, spawn_app};

#[tokio::test]
async fn a_queued_job_reports_its_state() {
    let app = spawn_app().await;
    let sent = json_body(
        app.send_messages("Jo", json!([message("j1", "Jo", "hi")]))
            .await,
        202,
    )
    .await;
    let id = sent["job_id"].as_i64().expect("a job id");
    for path in [format!("/jobs/{id}"), format!("/jobs/{id}/")] {
        let job = json_body(app.get(&path).await, 200).await;
        assert_eq!(job["id"], id);
        assert_eq!(job["kind"], "draft");
        assert_eq!(job["state"], "queued");
        assert_eq!(job["thread_name"], "Jo");
        assert_eq!(job["attempts"], 0);
        assert!(job["last_error"].is_null());
    }
}

#[tokio::test]
async fn a_failed_job_shows_its_last_error() {
    let app = spawn_app().await;
    let sent = json_body(
        app.send_messages("Jo", json!([message("j1", "Jo", "hi")]))
            .await,
        202,
    )
    .await;
    let id = sent["job_id"].as_i64().expect("a job id");
    sqlx::query("UPDATE jobs SET state = 'failed', attempts = 5, last_error = 'model timed out' WHERE id = $1")
        .bind(id)
        .execute(&app.sql)
        .await
        .expect("update");
    let job = json_body(app.job(id).await, 200).await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["last_error"], "model timed out");
}

#[tokio::test]
async fn an_unknown_or_malformed_job_id_is_not_found() {
    let app = spawn_app().await;
    error_body(app.get("/jobs/999").await, 404).await;
    error_body(app.get("/jobs/abc").await, 404).await;
    error_body(app.get("/jobs/99999999999999999999999").await, 404).await;
}

#[tokio::test]
async fn the_health_check_needs_no_token() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(json_body(response, 200).await["status"], "ok");
}

/// A job that drafted names its draft; a later success clears the errors of the attempts
/// before it; a job still queued has no outcome yet.
#[tokio::test]
async fn a_finished_job_says_what_it_came_to() {
    use crate::fake_llm::{FakeLlm, Reply, draft};
    use crate::helpers::spawn_app_with_model;

    let model = FakeLlm::start().await;
    model.push([
        Reply::Status(
            500,
            json!({"error": {"message": "upstream exploded"}}),
            None,
        ),
        draft("See you Tuesday."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(
        app.send_messages("Jo", json!([message("j1", "Jo", "Tuesday?")]))
            .await,
        202,
    )
    .await;
    let path = format!("/jobs/{}", sent["job_id"]);
    let queued = json_body(app.get(&path).await, 200).await;
    assert!(queued["outcome"].is_null(), "{queued}");
    assert!(queued["draft_message_id"].is_null(), "{queued}");

    assert_eq!(app.run_jobs().await, 2);
    let job = json_body(app.get(&path).await, 200).await;
    assert_eq!(job["state"], "done");
    assert_eq!(job["outcome"], "drafted");
    assert_eq!(job["attempts"], 2);
    assert!(
        job["last_error"].is_null(),
        "a success clears the error: {job}"
    );
    let pending = app.pending_drafts().await;
    assert_eq!(job["draft_message_id"], pending[0]["draft_message_id"]);
}

#[tokio::test]
async fn a_no_reply_job_and_a_failed_job_say_so() {
    use crate::fake_llm::{FakeLlm, Reply, no_reply};
    use crate::helpers::spawn_app_with_model;

    let model = FakeLlm::start().await;
    model.push([no_reply("Jo only said thanks.")]);
    let app = spawn_app_with_model(&model.base_url).await;
    let thanks = json_body(
        app.send_messages("Jo", json!([message("j1", "Jo", "Thanks!")]))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let job = json_body(app.job(&thanks["job_id"]).await, 200).await;
    assert_eq!(
        (job["state"].as_str(), job["outcome"].as_str()),
        (Some("done"), Some("no_reply"))
    );
    assert!(job["draft_message_id"].is_null(), "{job}");

    model.always(Reply::Status(
        401,
        json!({"error": {"message": "No auth credentials found"}}),
        None,
    ));
    let refused = json_body(
        app.send_messages("Mo", json!([message("m1", "Mo", "Call me?")]))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let job = json_body(app.job(&refused["job_id"]).await, 200).await;
    assert_eq!(
        (job["state"].as_str(), job["outcome"].as_str()),
        (Some("failed"), Some("failed"))
    );
    assert!(
        job["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{job}"
    );
}
