//! The agent's transcript across versions and failures: a run stored before the
//! transcript was typed still shows every step on the thread page, and a database
//! failure while drafting is named as the database's, not the model's.

use serde_json::json;

use crate::fake_llm::{FakeLlm, Reply};
use crate::helpers::{json_body, message, spawn_app, spawn_app_with_model};
use crate::pages::signed_in;

/// A transcript with every kind of entry, as draftdesk stored them before the
/// transcript was an enum (the distillation's included).
fn transcript_of_every_kind() -> serde_json::Value {
    let call = |name: &str, arguments: &str| json!({"type": "function", "id": "c1", "function": {"name": name, "arguments": arguments}});
    json!([
        {"kind": "request", "turn": 0, "model": "test/model",
         "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
         "tools": null},
        {"kind": "response", "turn": 0,
         "message": {"role": "assistant", "tool_calls": [call("suggest_draft", "{\"draft_content\":\"Hi\"}")]},
         "finish_reason": "tool_calls",
         "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
         "elapsed_ms": 1500},
        {"kind": "tool", "turn": 0, "name": "suggest_draft", "arguments": "{}", "result": "draft stored"},
        {"kind": "error", "turn": 1, "error": "the model server answered 502"},
        {"kind": "offline", "note": "simple rules, a templated reply", "rule": "revise",
         "decision": {"suggest_draft": "Hi"}},
        {"kind": "request", "purpose": "distill", "messages": [{"role": "user", "content": "f"}]},
        {"kind": "response", "purpose": "distill",
         "message": {"role": "assistant", "tool_calls": [call("remember_style", "{\"note\":\"Sign as J.\"}")]},
         "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}},
        {"kind": "error", "purpose": "distill", "error": "the model did not answer in time"},
        {"kind": "distill", "offline": true, "feedback": "shorter", "note": "Keep replies short."},
    ])
}

#[tokio::test]
async fn a_run_stored_before_the_typed_transcript_shows_every_step_on_the_thread_page() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    json_body(
        app.send_messages(
            "Bob",
            json!([message("b1", "Bob", "Are you free on Tuesday?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    sqlx::query("UPDATE agent_runs SET transcript = $1")
        .bind(transcript_of_every_kind().to_string())
        .execute(&app.sql)
        .await
        .expect("an old transcript");
    let thread: i64 = sqlx::query_scalar("SELECT id FROM threads")
        .fetch_one(&app.sql)
        .await
        .expect("the thread");

    let page = browser.page(&format!("/threads/{thread}")).await;
    for step in [
        "Turn 1: sent the model 2 messages",
        "Turn 1: the model called suggest_draft (1.5 s), 120 tokens",
        "Turn 1: proposed a draft (suggest_draft)",
        "Turn 2: error",
        "The offline drafter applied its rule \u{201c}revise\u{201d}",
        "Asked the model what the feedback teaches about your style",
        "The model found a style note to keep",
        "Could not learn from the feedback (the revision stands)",
        "the model did not answer in time",
        "Kept a style note from the feedback",
        "Keep replies short.",
    ] {
        assert!(page.contains(step), "missing {step:?} in {page}");
    }
    assert_eq!(
        page.matches("<li class=\"trace-entry\">").count(),
        9,
        "one step per entry"
    );
}

#[tokio::test]
async fn a_database_failure_while_drafting_is_retried_and_named_as_the_databases() {
    let model = FakeLlm::start().await;
    model.always(Reply::Tool(
        "search_past_messages",
        json!({"query": "Tuesday"}),
    ));
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(
        app.send_messages(
            "Bob",
            json!([message("b1", "Bob", "Are you free on Tuesday?")]),
        )
        .await,
        202,
    )
    .await;
    // The search tool's table goes missing: its query fails as a database error does.
    sqlx::query(crate::database::per_backend(
        "DROP TABLE approved_fts",
        "ALTER TABLE drafts RENAME COLUMN approved_fts TO gone",
    ))
    .execute(&app.sql)
    .await
    .expect("dropped");
    app.run_jobs().await;

    let job = json_body(app.get(&format!("/jobs/{}", sent["job_id"])).await, 200).await;
    let error = job["last_error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("the database failed while the agent worked"),
        "{job}"
    );
    assert!(!error.contains("model"), "not a model failure: {error}");
    assert!(!error.contains("approved_fts"), "no database text: {error}");
    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["attempts"].as_i64().unwrap_or(0) > 1,
        "a database failure is worth another attempt: {job}"
    );
    let runs = app.runs().await;
    assert!(
        runs.iter().all(|(outcome, _, error)| outcome == "failed"
            && error.as_deref().is_some_and(|e| e.contains("database"))),
        "{runs:?}"
    );
}
