//! `GET /jobs/{id}` and `GET /healthz`.

use serde_json::json;

use crate::helpers::{error_body, json_body, message, spawn_app};

#[tokio::test]
async fn a_queued_job_reports_its_state() {
    let app = spawn_app().await;
    let sent = json_body(
        app.send("Jo", json!([message("j1", "Jo", "hi")])).await,
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
        app.send("Jo", json!([message("j1", "Jo", "hi")])).await,
        202,
    )
    .await;
    let id = sent["job_id"].as_i64().expect("a job id");
    sqlx::query("UPDATE jobs SET state = 'failed', attempts = 5, last_error = 'model timed out' WHERE id = ?")
        .bind(id)
        .execute(&app.db.write)
        .await
        .expect("update");
    let job = json_body(app.get(&format!("/jobs/{id}")).await, 200).await;
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
