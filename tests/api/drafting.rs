//! Background drafting: the queue, the agent and the model, seen from the API and the
//! database.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::fake_llm::{FakeLlm, Reply, draft, no_reply};
use crate::helpers::{
    Flag, json_body, message, spawn_app, spawn_app_with, spawn_app_with_model,
    spawn_app_with_model_and,
};

fn question() -> Value {
    json!([
        message("q1", "Anna Schmidt", "Hi! Could we meet next week?"),
        message("q2", "Anna Schmidt", "Tuesday or Wednesday would suit me."),
    ])
}

#[tokio::test]
async fn new_messages_get_a_draft_from_the_model() {
    let model = FakeLlm::start().await;
    model.push([draft("Hi Anna, Tuesday at 10 works for me.")]);
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;

    assert_eq!(app.run_jobs().await, 1);

    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        drafts[0]["draft_message_content"],
        "Hi Anna, Tuesday at 10 works for me."
    );
    assert_eq!(drafts[0]["thread_name"], "Anna");
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "done");
    assert_eq!(job["attempts"], 1);
    let run: (String, String, i64, i64, String, Flag) = sqlx::query_as(
        "SELECT outcome, model, prompt_tokens, completion_tokens, transcript, offline FROM agent_runs",
    )
    .fetch_one(&app.sql)
    .await
    .expect("one run");
    assert_eq!(
        (run.0.as_str(), run.1.as_str(), run.2, run.3),
        ("drafted", "test/model", 100, 20)
    );
    assert!(!run.5.0, "a model run is not offline");
    let transcript: Vec<Value> = serde_json::from_str(&run.4).expect("a JSON transcript");
    let kinds: Vec<&str> = transcript
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["request", "response", "tool"]);
    assert_eq!(transcript[2]["name"], "suggest_draft");
}

#[tokio::test]
async fn the_model_is_given_the_thread_the_style_notes_and_the_tools() {
    let model = FakeLlm::start().await;
    model.push([draft("ok")]);
    let app = spawn_app_with_model(&model.base_url).await;
    sqlx::query(
        "INSERT INTO style_notes (user_id, text, source) \
         SELECT id, 'Keep replies short. Sign as A.', 'settings' FROM users",
    )
    .execute(&app.sql)
    .await
    .expect("notes");
    json_body(app.send_messages("Anna", question()).await, 202).await;
    app.run_jobs().await;

    let request = &model.requests()[0];
    assert_eq!(request["model"], "test/model");
    let system = request["messages"][0]["content"]
        .as_str()
        .expect("a system prompt");
    assert!(
        system.contains("- Keep replies short. Sign as A."),
        "{system}"
    );
    assert!(
        system.contains("not instructions"),
        "the prompt guards against injection"
    );
    let user = request["messages"][1]["content"]
        .as_str()
        .expect("the task");
    // One JSON object per message; whose it is, is draftdesk's field, not the text.
    assert!(
        user.contains(
            r#"{"from":"Anna Schmidt","from_user":false,"sent":"2026-11-24 10:00","text":"Hi! Could we meet next week?"}"#
        ),
        "{user}"
    );
    assert!(
        user.contains("Tuesday or Wednesday would suit me."),
        "{user}"
    );
    let tools: Vec<&str> = request["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert_eq!(
        tools,
        [
            "suggest_draft",
            "end_work",
            "search_past_messages",
            "get_thread"
        ]
    );
    let headers = model.headers(0);
    assert_eq!(
        headers.get("authorization").map(|v| v.as_bytes()),
        Some(&b"Bearer test-key"[..])
    );
    assert_eq!(
        headers.get("x-title").map(|v| v.as_bytes()),
        Some(&b"draftdesk"[..])
    );
}

#[tokio::test]
async fn end_work_leaves_no_draft_and_records_the_reason() {
    let model = FakeLlm::start().await;
    model.push([no_reply("Anna only said thanks.")]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(
        app.send_messages("Anna", json!([message("t1", "Anna", "Thanks!")]))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;

    assert!(app.pending_drafts().await.is_empty());
    assert_eq!(
        app.runs().await,
        [(
            "no_reply".to_owned(),
            Some("Anna only said thanks.".to_owned()),
            None
        )]
    );
}

#[tokio::test]
async fn a_burst_of_sends_costs_one_run_and_gives_one_draft() {
    let model = FakeLlm::start().await;
    model.push([draft("One reply to all of it.")]);
    let app = spawn_app_with_model(&model.base_url).await;
    for i in 0..5 {
        json_body(
            app.send_messages(
                "Anna",
                json!([message(&format!("b{i}"), "Anna", "and another thing")]),
            )
            .await,
            202,
        )
        .await;
    }
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(model.requests().len(), 1);
    assert_eq!(app.pending_drafts().await.len(), 1);
}

#[tokio::test]
async fn a_message_arriving_during_a_run_makes_its_draft_stale_and_the_follow_up_writes_it() {
    let model = FakeLlm::start().await;
    let gate = Arc::new(Semaphore::new(0));
    model.push([
        Reply::Gated(
            gate.clone(),
            Box::new(draft("Answers only the first message.")),
        ),
        draft("Answers both messages."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(
        app.send_messages("Anna", json!([message("s1", "Anna", "Lunch?")]))
            .await,
        202,
    )
    .await;

    let jobs = app.jobs.clone();
    let first_run = tokio::spawn(async move { jobs.run_once().await });
    model.wait_for_requests(1).await;
    let during = json_body(
        app.send_messages("Anna", json!([message("s2", "Anna", "Or dinner?")]))
            .await,
        202,
    )
    .await;
    assert_eq!(during["new_messages"], 1);
    gate.add_permits(1);
    assert!(first_run.await.expect("joined").expect("ran"));
    assert!(
        app.pending_drafts().await.is_empty(),
        "a stale draft is never shown"
    );

    assert_eq!(app.run_jobs().await, 1);
    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["draft_message_content"], "Answers both messages.");
    let outcomes: Vec<String> = app.runs().await.into_iter().map(|r| r.0).collect();
    assert_eq!(outcomes, ["stale", "drafted"]);
    let user_text = model.requests()[1]["messages"][1]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        user_text.contains("Or dinner?"),
        "the follow-up sees the new message"
    );
}

#[tokio::test]
async fn feedback_gives_a_revision_that_supersedes_the_draft_and_teaches_the_style() {
    let model = FakeLlm::start().await;
    model.push([
        draft("Dear Anna, thank you so much for reaching out! Tuesday would be wonderful. 😊"),
        draft("Hi Anna, Tuesday works. J."),
        Reply::Tool("remember_style", json!({"note": "Never use emojis."})),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    app.run_jobs().await;
    let first = app.pending_drafts().await[0]["draft_message_id"]
        .as_str()
        .expect("id")
        .to_owned();

    let feedback = "shorter, no emojis ever, sign as J.";
    json_body(app.process_feedback(&first, feedback).await, 202).await;
    assert_eq!(app.run_jobs().await, 1);

    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        drafts[0]["draft_message_content"],
        "Hi Anna, Tuesday works. J."
    );
    assert_eq!(drafts[0]["revises_draft_message_id"], first.as_str());
    assert_eq!(drafts[0]["feedback"], feedback);
    assert_eq!(app.draft_status(&first).await, "superseded");
    let revise_request = model.requests()[1]["messages"][1]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        revise_request.contains("Tuesday would be wonderful"),
        "the current draft is given"
    );
    assert!(revise_request.contains(feedback), "the feedback is given");
    // Left to draftdesk (no reach given), the model judged it lasting: an "always" note.
    let notes: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT text, source, feedback FROM style_notes WHERE thread_id IS NULL")
            .fetch_all(&app.sql)
            .await
            .expect("notes");
    assert_eq!(
        notes,
        [(
            "Never use emojis.".to_owned(),
            "learned".to_owned(),
            Some(feedback.to_owned())
        )]
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_until_the_draft_comes() {
    let model = FakeLlm::start().await;
    model.push([
        Reply::Status(
            429,
            json!({"error": {"code": 429, "message": "slow down"}}),
            Some(0),
        ),
        Reply::Status(
            500,
            json!({"error": {"message": "upstream exploded"}}),
            None,
        ),
        draft("Third time lucky."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 3);

    assert_eq!(
        app.pending_drafts().await[0]["draft_message_content"],
        "Third time lucky."
    );
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(
        (job["state"].as_str(), job["attempts"].as_i64()),
        (Some("done"), Some(3))
    );
    let runs = app.runs().await;
    let outcomes: Vec<&str> = runs.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(outcomes, ["failed", "failed", "drafted"]);
    assert!(
        runs[0].2.as_deref().unwrap_or("").contains("rate limiting"),
        "{runs:?}"
    );
    assert!(
        runs[1]
            .2
            .as_deref()
            .unwrap_or("")
            .contains("upstream exploded"),
        "{runs:?}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_next_attempt() {
    let model = FakeLlm::start().await;
    model.push([Reply::Status(
        429,
        json!({"error": {"message": "wait"}}),
        Some(30),
    )]);
    let app = spawn_app_with_model(&model.base_url).await;
    let asked = chrono::Utc::now();
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 1, "the retry is not due yet");

    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "queued");
    let run_at = chrono::DateTime::parse_from_rfc3339(job["run_at"].as_str().expect("run_at"))
        .expect("a timestamp");
    // 30 s from the answer, which came after `asked` (stored to the millisecond).
    let earliest = asked + chrono::Duration::seconds(30) - chrono::Duration::milliseconds(1);
    assert!(run_at >= earliest, "retried at {run_at}, before {earliest}");
    assert_eq!(model.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_given_as_an_http_date_is_honoured() {
    let model = FakeLlm::start().await;
    let at = std::time::SystemTime::now() + Duration::from_secs(12);
    model.push([Reply::WithHeaders(
        vec![("retry-after", httpdate::fmt_http_date(at))],
        Box::new(Reply::Status(
            503,
            json!({"error": {"message": "busy"}}),
            None,
        )),
    )]);
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 1, "the retry is not due yet");
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "queued");
    let run_at = chrono::DateTime::parse_from_rfc3339(job["run_at"].as_str().expect("run_at"))
        .expect("a timestamp");
    // The date is given to the second; without it the retry would be due at once (the
    // tests' backoff is zero), however long the app took to start.
    let promised = chrono::DateTime::<chrono::Utc>::from(at) - chrono::Duration::milliseconds(1100);
    assert!(run_at >= promised, "retried at {run_at}, before {promised}");
}

#[tokio::test]
async fn a_run_past_its_deadline_ends_with_a_readable_error_and_is_retried() {
    let model = FakeLlm::start().await;
    // Each turn is well within the request timeout, but the run never finishes.
    model.always(Reply::Slow(
        Duration::from_millis(400),
        Box::new(Reply::Text("Still thinking...")),
    ));
    let app = spawn_app_with_model_and(&model.base_url, |config| {
        config.agent_max_iterations = 50;
        config.agent_run_timeout = Duration::from_secs(1);
    })
    .await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert!(app.jobs.run_once().await.expect("a claim"));
    let requests = model.requests().len();
    assert!(requests <= 4, "the run went on for {requests} turns");
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "queued", "a run out of time is retried");
    let error = job["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("AGENT_RUN_TIMEOUT_SECS"), "{error}");
    let runs = app.runs().await;
    assert_eq!(runs[0].0, "failed");
    assert!(
        runs[0]
            .2
            .as_deref()
            .unwrap_or("")
            .contains("longer than 1 s"),
        "{runs:?}"
    );
}

#[tokio::test]
async fn a_model_server_that_refuses_connections_says_why_in_the_jobs_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    let app = spawn_app_with_model(&format!("http://{address}/v1")).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert!(app.jobs.run_once().await.expect("a claim"));
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    let error = job["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("connection refused"), "{error}");
}

#[tokio::test]
async fn a_job_that_keeps_failing_ends_failed_with_its_error_visible() {
    let model = FakeLlm::start().await;
    model.always(Reply::Status(
        503,
        json!({"error": {"message": "model overloaded"}}),
        None,
    ));
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 5);

    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["attempts"], 5);
    let error = job["last_error"].as_str().expect("an error");
    assert!(
        error.contains("model overloaded") && error.contains("gave up after 5 attempts"),
        "{error}"
    );
    assert!(app.pending_drafts().await.is_empty());
    assert_eq!(app.runs().await.len(), 5);
}

#[tokio::test]
async fn a_refused_api_key_fails_at_once_with_a_readable_error() {
    let model = FakeLlm::start().await;
    model.push([Reply::Status(
        401,
        json!({"error": {"code": 401, "message": "No auth credentials found"}}),
        None,
    )]);
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 1);
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "failed");
    let error = job["last_error"].as_str().expect("an error");
    assert!(
        error.contains("refused the API key") && error.contains("No auth credentials found"),
        "{error}"
    );
}

#[tokio::test]
async fn broken_tool_arguments_and_unknown_tools_are_answered_as_tool_errors() {
    let model = FakeLlm::start().await;
    model.push([
        Reply::RawArguments("suggest_draft", "{\"draft_content\": "),
        Reply::Tool("send_email", json!({"to": "x"})),
        Reply::Tool("suggest_draft", json!({"text": "wrong field"})),
        draft("Fixed it."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    app.run_jobs().await;

    assert_eq!(
        app.pending_drafts().await[0]["draft_message_content"],
        "Fixed it."
    );
    let requests = model.requests();
    let tool_reply = |i: usize| {
        let messages = requests[i]["messages"].as_array().expect("messages");
        messages.last().expect("a last message")["content"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        tool_reply(1).contains("could not be read"),
        "{}",
        tool_reply(1)
    );
    assert!(
        tool_reply(2).contains("no tool named 'send_email'"),
        "{}",
        tool_reply(2)
    );
    assert!(
        tool_reply(3).contains("missing field `draft_content`"),
        "{}",
        tool_reply(3)
    );
}

#[tokio::test]
async fn a_model_that_never_finishes_is_stopped_after_the_iteration_limit() {
    let model = FakeLlm::start().await;
    model.always(Reply::Text("Let me think about this some more..."));
    let app = spawn_app_with_model(&model.base_url).await;
    let sent = json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 1, "an iteration limit is not retried");
    assert_eq!(model.requests().len(), 4);
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_eq!(job["state"], "failed");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("did not finish within 4 model turns")
    );
    let nudge = &model.requests()[1]["messages"];
    assert!(
        nudge
            .to_string()
            .contains("Finish by calling suggest_draft")
    );
}

#[tokio::test]
async fn an_answer_that_is_not_a_chat_completion_is_retried() {
    let model = FakeLlm::start().await;
    model.push([
        Reply::Garbage("<html>502 from a proxy</html>"),
        draft("Recovered."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 2);
    assert_eq!(
        app.pending_drafts().await[0]["draft_message_content"],
        "Recovered."
    );
}

#[tokio::test]
async fn a_model_that_times_out_is_retried() {
    let model = FakeLlm::start().await;
    model.push([
        Reply::Slow(Duration::from_secs(5), Box::new(draft("too late"))),
        draft("In time."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    assert_eq!(app.run_jobs().await, 2);
    assert_eq!(
        app.pending_drafts().await[0]["draft_message_content"],
        "In time."
    );
    let error = app.runs().await[0].2.clone().unwrap_or_default();
    assert!(error.contains("did not answer in time"), "{error}");
}

#[tokio::test]
async fn search_past_messages_finds_approved_replies_first_then_past_answers() {
    let model = FakeLlm::start().await;
    model.push([
        no_reply("The user answered last."),
        draft("My day rate is 900 EUR, happy to discuss."),
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        draft("It's 900 EUR a day."),
    ]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(
        app.send_messages(
            "Old client",
            json!([
                message("o1", "Bob", "What is your day rate for consulting?"),
                message("o2", "anna", "It is 850 EUR per day."),
            ]),
        )
        .await,
        202,
    )
    .await;
    json_body(
        app.send_messages(
            "Recruiter",
            json!([message("r1", "Cleo", "What's your day rate?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let recruiter_draft = app.pending_drafts().await[0]["draft_message_id"]
        .as_str()
        .expect("id")
        .to_owned();
    json_body(app.approve_draft(&recruiter_draft, None).await, 200).await;

    json_body(
        app.send_messages(
            "New lead",
            json!([message("n1", "Dee", "Could you share your day rate?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;

    let requests = model.requests();
    let search_result = requests.last().expect("a request")["messages"]
        .as_array()
        .expect("messages")
        .last()
        .expect("the tool result")["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let approved = search_result
        .find("My day rate is 900 EUR")
        .expect("the approved reply is found");
    let past = search_result
        .find("It is 850 EUR per day.")
        .expect("the past answer is found");
    assert!(
        approved < past,
        "approved replies come first: {search_result}"
    );
    assert!(search_result.contains("What is your day rate for consulting?"));
}

#[tokio::test]
async fn a_job_that_runs_twice_never_leaves_two_pending_drafts() {
    let model = FakeLlm::start().await;
    model.push([draft("first run"), draft("second run")]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    app.run_jobs().await;
    // As if the worker had died after storing its draft but before the job was marked.
    sqlx::query("UPDATE jobs SET state = 'queued'")
        .execute(&app.sql)
        .await
        .expect("requeue");
    app.run_jobs().await;
    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(app.count("SELECT count(*) FROM drafts").await, 2);
}

#[tokio::test]
async fn without_a_key_the_offline_drafter_writes_a_labelled_draft() {
    let app = spawn_app().await;
    json_body(
        app.send_messages(
            "Bob",
            json!([message("x1", "Bob Jones", "Are you free on Friday?")]),
        )
        .await,
        202,
    )
    .await;
    json_body(
        app.send_messages(
            "Cy",
            json!([
                message("y1", "Cy", "Can you help?"),
                message("y2", "anna", "Sure, one sec.")
            ]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(app.run_jobs().await, 2);

    let drafts = app.pending_drafts().await;
    assert_eq!(
        drafts.len(),
        1,
        "no draft when the last message is the user's own"
    );
    assert_eq!(
        drafts[0]["draft_message_content"],
        "Hi Bob,\n\nThanks for your message. Let me check and get back to you shortly.\n\nBest,\nanna"
    );
    let runs: Vec<(String, Flag, String)> =
        sqlx::query_as("SELECT model, offline, coalesce(reason, '') FROM agent_runs ORDER BY id")
            .fetch_all(&app.sql)
            .await
            .expect("runs");
    let runs: Vec<(String, bool, String)> =
        runs.into_iter().map(|(m, Flag(o), r)| (m, o, r)).collect();
    assert_eq!(runs[0], ("offline drafter".to_owned(), true, String::new()));
    assert_eq!(
        runs[1],
        (
            "offline drafter".to_owned(),
            true,
            "the last message is the user's own".to_owned()
        )
    );
}

#[tokio::test]
async fn offline_feedback_revises_the_draft_and_learns_lasting_preferences() {
    let app = spawn_app_with(|_| {}).await;
    json_body(
        app.send_messages(
            "Bob",
            json!([message("x1", "Bob", "Are you free on Friday?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let first = app.pending_drafts().await[0]["draft_message_id"]
        .as_str()
        .expect("id")
        .to_owned();
    json_body(
        app.process_feedback(&first, "Always keep it shorter").await,
        202,
    )
    .await;
    app.run_jobs().await;
    let drafts = app.pending_drafts().await;
    assert_eq!(
        drafts[0]["draft_message_content"],
        "Hi Bob,\n\nThanks for your message.\n\nBest,\nanna"
    );
    let notes: Vec<String> = sqlx::query_scalar("SELECT text FROM style_notes")
        .fetch_all(&app.sql)
        .await
        .expect("notes");
    assert_eq!(notes, ["Always keep it shorter"]);
}

#[tokio::test]
async fn draft_anyway_asks_the_model_for_a_reply_without_the_option_to_decline() {
    let model = FakeLlm::start().await;
    model.push([no_reply("they said thanks"), draft("Glad it helped!")]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(app.send_messages("Anna", question()).await, 202).await;
    app.run_jobs().await;
    assert!(app.pending_drafts().await.is_empty());

    let user = draftdesk::db::users::find_by_name(app.db.read(), "anna")
        .await
        .expect("query")
        .expect("anna");
    let thread: draftdesk::db::ThreadId = sqlx::query_scalar("SELECT id FROM threads")
        .fetch_one(&app.sql)
        .await
        .expect("thread");
    draftdesk::review::draft_anyway(&app.jobs, &user, thread)
        .await
        .expect("queued");
    app.run_jobs().await;
    assert_eq!(
        app.pending_drafts().await[0]["draft_message_content"],
        "Glad it helped!"
    );
    let request = &model.requests()[1];
    let tools = request["tools"].to_string();
    assert!(
        tools.contains("suggest_draft") && !tools.contains("end_work"),
        "{tools}"
    );
    assert!(
        request["messages"]
            .to_string()
            .contains("asked for one anyway")
    );
}
