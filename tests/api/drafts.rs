//! The review endpoints: listing drafts, feedback, reject, approve.

use serde_json::json;

use crate::helpers::{TestApp, error_body, json_body, message, spawn_app, spawn_app_with_a_draft};

/// An app with one thread "Anna" and a pending draft for it.
async fn app_with_draft() -> (TestApp, String) {
    spawn_app_with_a_draft("Happy to! Tuesday 10:00?").await
}

#[tokio::test]
async fn pending_drafts_are_listed_newest_first_with_the_contract_fields() {
    let (app, first) = app_with_draft().await;
    json_body(
        app.send_messages("Ben", json!([message("b1", "Ben", "Call?")]))
            .await,
        202,
    )
    .await;
    let second = app.insert_draft("anna", "Ben", "Sure, when?").await;

    for path in [
        "/draft-messages/?user_id=anna",
        "/draft-messages?user_id=anna",
    ] {
        let body = json_body(app.get(path).await, 200).await;
        let drafts = body["draft_messages"].as_array().expect("a list");
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0]["draft_message_id"], second.as_str());
        assert_eq!(drafts[0]["thread_name"], "Ben");
        assert_eq!(drafts[0]["draft_message_content"], "Sure, when?");
        assert_eq!(drafts[1]["draft_message_id"], first.as_str());
    }
}

#[tokio::test]
async fn the_draft_list_gives_back_every_character_as_it_was_stored() {
    let app = spawn_app().await;
    // A thread name and a draft with what JSON must escape, and more.
    let thread = "Zoë \"Z\" O'Brien \\ נועה 🙂";
    let text = "Line one\n\tTabbed \"quoted\" back\\slash\r\nRTL: שלום, emoji: 👍🏽, \
                control: \u{1}\u{1f}, zero-width: a\u{200b}b, [1, {}] null true";
    json_body(
        app.send_messages(thread, json!([message("z1", "Zoë", "Hi")]))
            .await,
        202,
    )
    .await;
    // The first draft, superseded by a revision with feedback to escape too.
    let first = app.insert_draft("anna", thread, "First try.").await;
    let first_row: i64 = sqlx::query_scalar("SELECT id FROM drafts WHERE draft_message_id = $1")
        .bind(&first)
        .fetch_one(&app.sql)
        .await
        .expect("the first draft");
    sqlx::query("UPDATE drafts SET status = 'superseded' WHERE id = $1")
        .bind(first_row)
        .execute(&app.sql)
        .await
        .expect("superseded");
    let user = draftdesk::db::users::find_by_name(app.db.read(), "anna")
        .await
        .expect("query")
        .expect("anna");
    let thread_row = draftdesk::db::threads::find_by_name(app.db.read(), user.id, thread)
        .await
        .expect("query")
        .expect("the thread");
    let feedback = "kürzer, \"bitte\" \\ 🙏\nzweite Zeile";
    let id = "draft-revised-\u{e9}";
    draftdesk::db::drafts::insert(
        app.db.write(),
        &draftdesk::db::drafts::NewDraft {
            draft_message_id: id,
            user_id: user.id,
            thread_id: thread_row.id,
            content: text,
            revises_draft_id: Some(draftdesk::db::DraftId::new(first_row)),
            feedback: Some(feedback),
            agent_run_id: None,
            answers_message: None,
        },
    )
    .await
    .expect("the revision");

    let body = json_body(app.get("/draft-messages/?user_id=anna").await, 200).await;
    let drafts = body["draft_messages"].as_array().expect("a list");
    let listed = drafts
        .iter()
        .find(|d| d["draft_message_id"] == id)
        .expect("the draft is listed");
    assert_eq!(listed["draft_message_content"], text);
    assert_eq!(listed["thread_name"], thread);
    assert!(listed["thread_id"].is_i64(), "{listed}");
    assert_eq!(listed["status"], "pending");
    assert_eq!(listed["feedback"], feedback);
    assert_eq!(listed["revises_draft_message_id"], first.as_str());
    assert_eq!(listed["thread_id"], thread_row.id.get());
    let created = listed["created_at"].as_str().expect("a time");
    assert!(
        created.len() == 24 && created.ends_with('Z'),
        "the stored form: {created}"
    );
}

#[tokio::test]
async fn feedback_queues_a_revise_job_and_answers_202() {
    let (app, draft) = app_with_draft().await;
    let body = json_body(
        app.process_feedback(&draft, "shorter, offer Tuesday").await,
        202,
    )
    .await;
    let job_id = body["job_id"].as_i64().expect("a job id");
    let (kind, payload): (String, String) =
        sqlx::query_as("SELECT kind, payload FROM jobs WHERE id = $1")
            .bind(job_id)
            .fetch_one(&app.sql)
            .await
            .expect("job stored");
    assert_eq!(kind, "revise");
    let payload: serde_json::Value = serde_json::from_str(&payload).expect("JSON payload");
    assert_eq!(payload["feedback"], "shorter, offer Tuesday");
    // The draft stays pending until the revision exists.
    assert_eq!(app.draft_status(&draft).await, "pending");
}

#[tokio::test]
async fn rejecting_a_draft_takes_it_out_of_the_queue() {
    let (app, draft) = app_with_draft().await;
    let body = json_body(app.reject_draft(&draft).await, 200).await;
    assert_eq!(body["status"], "rejected");
    assert_eq!(app.draft_status(&draft).await, "rejected");
    let listed = json_body(app.draft_messages().await, 200).await;
    assert_eq!(listed["draft_messages"], json!([]));
}

#[tokio::test]
async fn approving_keeps_the_edited_final_text() {
    let (app, draft) = app_with_draft().await;
    let body = json_body(
        app.post(
            "/approve-draft",
            &json!({"user_id": "anna", "draft_message_id": draft, "final_content": "Tuesday 10:00 works!"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["status"], "approved");
    assert_eq!(body["final_content"], "Tuesday 10:00 works!");
    let stored: (String, Option<String>) =
        sqlx::query_as("SELECT status, final_content FROM drafts WHERE draft_message_id = $1")
            .bind(&draft)
            .fetch_one(&app.sql)
            .await
            .expect("draft");
    assert_eq!(
        stored,
        ("approved".into(), Some("Tuesday 10:00 works!".into()))
    );
}

#[tokio::test]
async fn approving_without_an_edit_keeps_the_draft_text() {
    let (app, draft) = app_with_draft().await;
    let body = json_body(app.approve_draft(&draft, None).await, 200).await;
    assert_eq!(body["final_content"], "Happy to! Tuesday 10:00?");
}

#[tokio::test]
async fn acting_on_a_draft_that_is_no_longer_pending_is_a_conflict() {
    let (app, draft) = app_with_draft().await;
    json_body(app.reject_draft(&draft).await, 200).await;
    for (path, extra) in [
        ("/reject-draft/", json!({})),
        ("/approve-draft/", json!({})),
        ("/process-feedback/", json!({"feedback": "shorter"})),
    ] {
        let mut body = json!({"user_id": "anna", "draft_message_id": draft});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        let error = error_body(app.post(path, &body).await, 409).await;
        assert!(
            error["message"].as_str().unwrap_or("").contains("rejected"),
            "{error}"
        );
    }
    assert_eq!(app.draft_status(&draft).await, "rejected");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'revise'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_unknown_draft_is_not_found() {
    let app = spawn_app().await;
    for path in ["/reject-draft/", "/approve-draft/"] {
        error_body(
            app.post(
                path,
                &json!({"user_id": "anna", "draft_message_id": "nope"}),
            )
            .await,
            404,
        )
        .await;
    }
    error_body(
        app.post(
            "/process-feedback/",
            &json!({"user_id": "anna", "draft_message_id": 42, "feedback": "x"}),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn review_endpoints_take_form_posts() {
    let (app, draft) = app_with_draft().await;
    let response = app
        .client
        .post(app.url("/process-feedback/"))
        .bearer_auth(&app.token)
        .form(&[
            ("user_id", "anna"),
            ("draft_message_id", draft.as_str()),
            ("feedback", "warmer"),
        ])
        .send()
        .await
        .expect("sent");
    json_body(response, 202).await;
    let response = app
        .client
        .post(app.url("/approve-draft/"))
        .bearer_auth(&app.token)
        .form(&[
            ("user_id", "anna"),
            ("draft_message_id", draft.as_str()),
            ("final_content", "Yes!"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(json_body(response, 200).await["final_content"], "Yes!");
}

#[tokio::test]
async fn blank_feedback_is_refused_and_queues_nothing() {
    let (app, draft) = app_with_draft().await;
    let error = error_body(app.process_feedback(&draft, "   ").await, 422).await;
    assert_eq!(error["field"], "feedback");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'revise'")
            .await,
        0
    );
}
