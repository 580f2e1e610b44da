//! Holding up: many concurrent clients, and a model that misbehaves in every way.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{json_body, message, spawn_app, spawn_app_with_model};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_sends_store_each_message_once() {
    let app = spawn_app().await;
    let mut requests = JoinSet::new();
    for i in 0..500 {
        // 10 threads; each request resends the thread's first 1 to 5 messages, so most
        // messages arrive many times, concurrently.
        let thread = i % 10;
        let upto = (i / 10) % 5 + 1;
        let messages: Vec<Value> = (0..upto)
            .map(|k| {
                message(
                    &format!("t{thread}-m{k}"),
                    "Other Person",
                    &format!("message {k}"),
                )
            })
            .collect();
        let client = app.client.clone();
        let url = app.url("/send-messages/");
        let token = app.token.clone();
        requests.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"user_id": "anna", "thread_name": format!("thread {thread}"), "messages": messages}))
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        });
    }
    let mut statuses = Vec::new();
    while let Some(outcome) = requests.join_next().await {
        let (status, body) = outcome.expect("joined");
        assert_eq!(status, 202, "{body}");
        statuses.push(status);
    }
    assert_eq!(statuses.len(), 500);
    assert_eq!(
        app.count("SELECT count(*) FROM messages").await,
        50,
        "each message stored once"
    );
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 10);
    assert!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .await
            <= 10
    );

    app.run_jobs().await;
    let per_thread: Vec<i64> = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM drafts d WHERE d.thread_id = t.id AND d.status = 'pending') FROM threads t",
    )
    .fetch_all(&app.sql)
    .await
    .expect("drafts");
    assert_eq!(
        per_thread,
        vec![1; 10],
        "each thread ends with one pending draft"
    );
}

/// One misbehaviour: what the model does, and how the job must end.
struct Fault {
    name: &'static str,
    replies: Vec<Reply>,
    /// Answered once the scripted replies are used up.
    fallback: Option<Reply>,
    state: &'static str,
    /// Part of the error a reviewer reads (for failed jobs).
    error: &'static str,
    max_requests: usize,
}

fn faults() -> Vec<Fault> {
    let forever = |reply: Reply| Some(reply);
    vec![
        Fault {
            name: "429 with Retry-After, then an answer",
            replies: vec![
                Reply::Status(
                    429,
                    json!({"error": {"code": 429, "message": "slow down"}}),
                    Some(0),
                ),
                draft("ok"),
            ],
            fallback: None,
            state: "done",
            error: "",
            max_requests: 2,
        },
        Fault {
            name: "500 forever",
            replies: vec![],
            fallback: forever(Reply::Status(
                500,
                json!({"error": {"message": "boom"}}),
                None,
            )),
            state: "failed",
            error: "boom",
            max_requests: 5,
        },
        Fault {
            name: "502 forever",
            replies: vec![],
            fallback: forever(Reply::Status(502, json!("Bad Gateway"), None)),
            state: "failed",
            error: "502",
            max_requests: 5,
        },
        Fault {
            name: "a timeout, then an answer",
            replies: vec![
                Reply::Slow(Duration::from_secs(5), Box::new(draft("late"))),
                draft("ok"),
            ],
            fallback: None,
            state: "done",
            error: "",
            max_requests: 2,
        },
        Fault {
            name: "the connection closes, forever",
            replies: vec![],
            fallback: forever(Reply::HangUp),
            state: "failed",
            error: "model request failed",
            max_requests: 5,
        },
        Fault {
            name: "invalid JSON, forever",
            replies: vec![],
            fallback: forever(Reply::Garbage("{\"choices\": [")),
            state: "failed",
            error: "not a chat completion",
            max_requests: 5,
        },
        Fault {
            name: "broken tool arguments, forever",
            replies: vec![],
            fallback: forever(Reply::RawArguments("suggest_draft", "{oops")),
            state: "failed",
            error: "did not finish within 4 model turns",
            max_requests: 4,
        },
        Fault {
            name: "an unknown tool, forever",
            replies: vec![],
            fallback: forever(Reply::Tool("send_email", json!({}))),
            state: "failed",
            error: "did not finish within 4 model turns",
            max_requests: 4,
        },
        Fault {
            name: "prose that never ends",
            replies: vec![],
            fallback: forever(Reply::Text("Hmm, let me think...")),
            state: "failed",
            error: "did not finish within 4 model turns",
            max_requests: 4,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_model_ends_every_job_readably_and_the_server_stays_responsive() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;

    // Throughout, the server keeps answering its health check.
    let client = app.client.clone();
    let health = app.url("/healthz");
    let prober = tokio::spawn(async move {
        let mut answered = 0;
        loop {
            let response = client
                .get(&health)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            assert!(
                response.is_ok_and(|r| r.status() == 200),
                "the server stopped answering"
            );
            answered += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            if answered > 10_000 {
                return;
            }
        }
    });

    for (i, fault) in faults().into_iter().enumerate() {
        let before = model.requests().len();
        model.push(fault.replies);
        model.always_maybe(fault.fallback);
        let sent = json_body(
            app.send_messages(
                &format!("fault {i}"),
                json!([message(&format!("f{i}"), "Bob", "Hello?")]),
            )
            .await,
            202,
        )
        .await;
        app.run_jobs().await;
        let job = json_body(app.job(&sent["job_id"]).await, 200).await;
        assert_eq!(job["state"], fault.state, "{}: {job}", fault.name);
        if fault.state == "failed" {
            let error = job["last_error"].as_str().unwrap_or_default();
            assert!(error.contains(fault.error), "{}: {error}", fault.name);
        }
        let requests = model.requests().len() - before;
        assert!(
            requests <= fault.max_requests,
            "{}: {requests} model requests",
            fault.name
        );
        let open: i64 = app
            .count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
            .await;
        assert_eq!(open, 0, "{}: nothing is retried forever", fault.name);
    }
    assert!(!prober.is_finished(), "the health prober stopped");
    prober.abort();
}
