//! A fake OpenAI-compatible server: answers `/v1/chat/completions` from a script and
//! records every request, so tests can say what the model does and check what it got.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore};

/// One scripted answer.
#[derive(Clone)]
pub enum Reply {
    /// A tool call with JSON arguments.
    Tool(&'static str, Value),
    /// A tool call whose arguments are this raw (possibly broken) string.
    RawArguments(&'static str, &'static str),
    /// A plain text answer with no tool call.
    Text(&'static str),
    /// An HTTP error with this body and optional `Retry-After` seconds.
    Status(u16, Value, Option<u64>),
    /// 200 with a body that is not a chat completion.
    Garbage(&'static str),
    /// Waits this long, then answers.
    Slow(Duration, Box<Reply>),
    /// Waits until the gate gets a permit, then answers.
    Gated(Arc<Semaphore>, Box<Reply>),
    /// This answer with these extra response headers.
    WithHeaders(Vec<(&'static str, String)>, Box<Reply>),
    /// The first answer if the request's text contains this string, else the second
    /// (a script per conversation when many threads draft at once). The two-instance
    /// test and the replay tests use it; the browser tests do not.
    #[allow(dead_code)]
    IfRequestHas(&'static str, Box<Reply>, Box<Reply>),
    /// Closes the connection without an answer (the handler panics, so the server
    /// drops the connection; the panic message in the output is expected).
    HangUp,
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Option<Reply>>,
    requests: Mutex<Vec<(HeaderMap, Value)>>,
    arrived: Notify,
}

pub struct FakeLlm {
    /// The base URL to give draftdesk (`LLM_BASE_URL`).
    pub base_url: String,
    script: Arc<Script>,
}

impl FakeLlm {
    pub async fn start() -> Self {
        let script = Arc::new(Script::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the fake model");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base_url, script }
    }

    /// Queues answers, used in order.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.script.replies).extend(replies);
    }

    /// The answer given once the queue is empty.
    pub fn always(&self, reply: Reply) {
        *lock(&self.script.fallback) = Some(reply);
    }

    /// Sets or clears the answer given once the queue is empty.
    pub fn always_maybe(&self, reply: Option<Reply>) {
        *lock(&self.script.fallback) = reply;
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.script.requests)
            .iter()
            .map(|(_, body)| body.clone())
            .collect()
    }

    pub fn headers(&self, index: usize) -> HeaderMap {
        lock(&self.script.requests)[index].0.clone()
    }

    /// Waits until at least `count` requests have arrived.
    pub async fn wait_for_requests(&self, count: usize) {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let notified = self.script.arrived.notified();
                if lock(&self.script.requests).len() >= count {
                    return;
                }
                notified.await;
            }
        })
        .await
        .expect("the model was called in time");
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().expect("fake model lock")
}

async fn answer(
    State(script): State<Arc<Script>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let text = body.to_string();
    lock(&script.requests).push((headers, body));
    script.arrived.notify_waiters();
    let reply = lock(&script.replies)
        .pop_front()
        .or_else(|| lock(&script.fallback).clone());
    match reply {
        Some(reply) => render(reply, &text).await,
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "fake model: no scripted reply left"}})),
        )
            .into_response(),
    }
}

/// The response for `reply` to a request whose JSON text is `request`.
async fn render(mut reply: Reply, request: &str) -> Response {
    loop {
        match reply {
            Reply::WithHeaders(headers, next) => {
                let mut response = Box::pin(render(*next, request)).await;
                for (name, value) in headers {
                    response
                        .headers_mut()
                        .insert(name, value.parse().expect("a header value"));
                }
                return response;
            }
            Reply::Slow(delay, next) => {
                tokio::time::sleep(delay).await;
                reply = *next;
            }
            Reply::IfRequestHas(needle, has, lacks) => {
                reply = if request.contains(needle) {
                    *has
                } else {
                    *lacks
                };
            }
            Reply::Gated(gate, next) => {
                gate.acquire().await.expect("gate open").forget();
                reply = *next;
            }
            Reply::Tool(name, arguments) => {
                return completion(tool_message(name, &arguments.to_string()));
            }
            Reply::RawArguments(name, raw) => return completion(tool_message(name, raw)),
            Reply::Text(text) => {
                return completion(json!({"role": "assistant", "content": text}));
            }
            Reply::Status(status, body, retry_after) => {
                let status = StatusCode::from_u16(status).expect("a status");
                let mut response = (status, Json(body)).into_response();
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert("retry-after", seconds.to_string().parse().expect("header"));
                }
                return response;
            }
            Reply::Garbage(body) => return (StatusCode::OK, body).into_response(),
            Reply::HangUp => panic!("fake model hangs up on purpose"),
        }
    }
}

fn tool_message(name: &str, arguments: &str) -> Value {
    json!({
        "role": "assistant",
        "content": null,
        "tool_calls": [{
            "id": format!("call_{name}"),
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }],
    })
}

fn completion(message: Value) -> Response {
    let finish = if message["tool_calls"].is_array() {
        "tool_calls"
    } else {
        "stop"
    };
    Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "test/model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }))
    .into_response()
}

/// `suggest_draft` with this text.
pub fn draft(text: &'static str) -> Reply {
    Reply::Tool("suggest_draft", json!({ "draft_content": text }))
}

/// `end_work` with this reason.
pub fn no_reply(reason: &'static str) -> Reply {
    Reply::Tool("end_work", json!({ "reason": reason }))
}
