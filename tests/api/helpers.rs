//! `spawn_app`: a real draftdesk on a free port with its own database, and a client for it.

use draftdesk::app::Application;
use draftdesk::auth;
use draftdesk::config::Config;
use draftdesk::db::{self, Db};
use reqwest::Response;
use serde_json::{Value, json};
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    /// The first user's external id and API token.
    pub user: String,
    pub token: String,
    /// Holds the database folder until the test ends.
    _dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = Application::build(Config::for_database(url))
        .await
        .expect("the app builds");
    let address = format!("http://{}", app.local_addr().expect("a bound address"));
    let db = app.state().db.clone();
    tokio::spawn(app.serve(std::future::pending()));
    let mut test_app = TestApp {
        address,
        db,
        client: reqwest::Client::new(),
        user: String::new(),
        token: String::new(),
        _dir: dir,
    };
    let token = test_app.add_user("anna").await;
    test_app.user = "anna".to_owned();
    test_app.token = token;
    test_app
}

impl TestApp {
    /// Creates a user with an API token; returns the token.
    pub async fn add_user(&self, name: &str) -> String {
        let user = db::users::create(&self.db.write, name, name, None)
            .await
            .expect("user created");
        let token = auth::generate_token();
        db::tokens::insert(&self.db.write, user.id, "test", &token.hash, &token.prefix)
            .await
            .expect("token stored");
        token.secret
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// POSTs JSON with the first user's token.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.post_as(&self.token, path, body).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request sent")
    }

    /// Sends messages to a thread of the first user.
    pub async fn send(&self, thread: &str, messages: Value) -> Response {
        self.post(
            "/send-messages/",
            &json!({ "user_id": self.user, "thread_name": thread, "messages": messages }),
        )
        .await
    }

    /// Stores a pending draft for a thread (what the agent will do), returning its id.
    pub async fn insert_draft(&self, user: &str, thread: &str, content: &str) -> String {
        let user = db::users::find_by_name(&self.db.read, user)
            .await
            .expect("query")
            .expect("user exists");
        let thread = db::threads::find_by_name(&self.db.read, user.id, thread)
            .await
            .expect("query")
            .expect("thread exists");
        let id = format!("draft-{}", uuid_like());
        db::drafts::insert(
            &self.db.write,
            &db::drafts::NewDraft {
                draft_message_id: &id,
                user_id: user.id,
                thread_id: thread.id,
                content,
                revises_draft_id: None,
                feedback: None,
                agent_run_id: None,
                answers_message: None,
            },
        )
        .await
        .expect("draft stored");
        id
    }

    /// One number from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db.read)
            .await
            .expect("count query")
    }

    /// The status of a draft, straight from the database.
    pub async fn draft_status(&self, draft_message_id: &str) -> String {
        sqlx::query_scalar("SELECT status FROM drafts WHERE draft_message_id = ?")
            .bind(draft_message_id)
            .fetch_one(&self.db.read)
            .await
            .expect("draft exists")
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

/// A message in the contract's shape.
pub fn message(id: &str, sender: &str, content: &str) -> Value {
    json!({
        "message_id": id,
        "sender_name": sender,
        "date": "2026-11-24",
        "time": "10:00",
        "message_content": content,
    })
}

/// Reads a JSON body, asserting the status first.
pub async fn json_body(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body = response.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {body}");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

/// Asserts the error shape and returns the error object.
pub async fn error_body(response: Response, status: u16) -> Value {
    let body = json_body(response, status).await;
    let error = body["error"].clone();
    assert!(error["code"].is_string(), "no error code in {body}");
    assert!(error["message"].is_string(), "no error message in {body}");
    error
}
