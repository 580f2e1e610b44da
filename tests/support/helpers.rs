//! `spawn_app`: a real draftdesk on a free port with its own database, and a client for it
//! with a helper per API endpoint, so a test reads as what a client does.

use std::fmt::Display;
use std::time::Duration;

use draftdesk::app::Application;
use draftdesk::auth;
use draftdesk::config::Config;
use draftdesk::db::{self, Db};
use draftdesk::jobs::JobQueue;
use draftdesk::llm::LlmConfig;
use reqwest::Response;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::database::TestDatabase;

pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// The queue, which tests drive with `run_until_idle` (no workers run in tests).
    pub jobs: JobQueue,
    pub client: reqwest::Client,
    /// The first-run setup link's secret (valid only while no user exists).
    pub setup_token: Option<String>,
    /// The first user's external id and API token.
    pub user: String,
    pub token: String,
    /// The same database for what a test checks or sets up directly in SQL.
    pub sql: sqlx::AnyPool,
    /// The app's `DATABASE_URL`.
    pub database_url: String,
    /// Holds the database until the test ends (`None` for [`TestApp::another_instance`],
    /// whose database the first app holds).
    _database: Option<TestDatabase>,
}

/// An app with one thread "Anna" (a message from Anna) and a pending draft `text` for
/// it, inserted directly; returns the draft's id.
#[allow(dead_code)]
pub async fn spawn_app_with_a_draft(text: &str) -> (TestApp, String) {
    let app = spawn_app().await;
    json_body(
        app.send_messages("Anna", json!([message("a1", "Anna", "Coffee?")]))
            .await,
        202,
    )
    .await;
    let draft = app.insert_draft("anna", "Anna", text).await;
    (app, draft)
}

/// The app with no model configured: the offline drafter writes drafts.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app drafting with the fake model at `base_url`.
pub async fn spawn_app_with_model(base_url: &str) -> TestApp {
    spawn_app_with_model_and(base_url, |_| {}).await
}

/// The app drafting with the fake model at `base_url`, its configuration adjusted.
pub async fn spawn_app_with_model_and(base_url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let base_url = base_url.to_owned();
    spawn_app_with(move |config| {
        config.llm = Some(LlmConfig {
            base_url,
            api_key: Some("test-key".to_owned()),
            model: "test/model".to_owned(),
            timeout: Duration::from_secs(2),
        });
        config.agent_max_iterations = 4;
        adjust(config);
    })
    .await
}

/// The app with its configuration adjusted; retries are immediate.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut app = spawn_app_without_users(adjust).await;
    let token = app.add_user("anna").await;
    app.user = "anna".to_owned();
    app.token = token;
    app
}

/// The app as on first run: no user yet.
pub async fn spawn_app_without_users(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(TestDatabase::create().await, adjust).await
}

/// The database file the app in `dir` uses (created by the app when missing).
pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("test.db").display())
}

/// The app on the SQLite database in `dir`, which may already hold data; no user is
/// added.
pub async fn spawn_app_in(dir: TempDir, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_on(TestDatabase::sqlite(dir), adjust).await
}

/// The app on `database`, which may already hold data; no user is added.
pub async fn spawn_app_on(database: TestDatabase, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut app = spawn_instance(&database.url, adjust).await;
    app._database = Some(database);
    app
}

/// An app on the database at `url`, which something else holds.
async fn spawn_instance(url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::for_database(url);
    config.jobs.retry_base = Duration::ZERO;
    adjust(&mut config);
    let app = Application::build(config).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr().expect("a bound address"));
    let db = app.state().db.clone();
    let jobs = app.state().jobs.clone();
    let setup_token = app.setup_token().map(str::to_owned);
    tokio::spawn(app.serve(std::future::pending()));
    TestApp {
        address,
        db,
        jobs,
        client: reqwest::Client::new(),
        setup_token,
        user: String::new(),
        token: String::new(),
        sql: any_pool(url).await,
        database_url: url.to_owned(),
        _database: None,
    }
}

/// A pool of sqlx's `Any` driver on `url`, for tests' own SQL on either backend.
pub async fn any_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("the test database")
}

impl TestApp {
    /// A second draftdesk on this app's database, as another instance would run beside
    /// it, with its configuration adjusted; it knows the same user and token. Keep this
    /// app alive as long as the other: it holds the database.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut other = spawn_instance(&self.database_url, adjust).await;
        other.user = self.user.clone();
        other.token = self.token.clone();
        other
    }

    /// Creates a user with an API token; returns the token.
    pub async fn add_user(&self, name: &str) -> String {
        user_with_token(&self.db, name).await
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

    /// `POST /send-messages/`: messages for a thread of the first user.
    pub async fn send_messages(&self, thread: &str, messages: Value) -> Response {
        self.post(
            "/send-messages/",
            &json!({ "user_id": self.user, "thread_name": thread, "messages": messages }),
        )
        .await
    }

    /// Sends messages for a thread (answered 202) and runs the queue.
    pub async fn send_and_run(&self, thread: &str, messages: Value) {
        json_body(self.send_messages(thread, messages).await, 202).await;
        self.run_jobs().await;
    }

    /// `POST /process-feedback/`: the first user asks for a new version of a draft.
    pub async fn process_feedback(&self, draft: &str, feedback: &str) -> Response {
        self.post(
            "/process-feedback/",
            &json!({ "user_id": self.user, "draft_message_id": draft, "feedback": feedback }),
        )
        .await
    }

    /// `POST /approve-draft/` as is, or with the text the user actually sent.
    pub async fn approve_draft(&self, draft: &str, final_content: Option<&str>) -> Response {
        let mut body = json!({ "user_id": self.user, "draft_message_id": draft });
        if let Some(text) = final_content {
            body["final_content"] = json!(text);
        }
        self.post("/approve-draft/", &body).await
    }

    /// `POST /reject-draft/`.
    pub async fn reject_draft(&self, draft: &str) -> Response {
        self.post(
            "/reject-draft/",
            &json!({ "user_id": self.user, "draft_message_id": draft }),
        )
        .await
    }

    /// `GET /draft-messages/`: the first user's pending drafts.
    pub async fn draft_messages(&self) -> Response {
        self.get(&format!("/draft-messages/?user_id={}", self.user))
            .await
    }

    /// `GET /jobs/{id}`; the id as a number or as the JSON value an answer gave.
    pub async fn job(&self, id: impl Display) -> Response {
        self.get(&format!("/jobs/{id}")).await
    }

    /// Stores a pending draft for a thread (what the agent will do), returning its id.
    pub async fn insert_draft(&self, user: &str, thread: &str, content: &str) -> String {
        let user = db::users::find_by_name(self.db.read(), user)
            .await
            .expect("query")
            .expect("user exists");
        let thread = db::threads::find_by_name(self.db.read(), user.id, thread)
            .await
            .expect("query")
            .expect("thread exists");
        let id = format!("draft-{}", uuid_like());
        db::drafts::insert(
            self.db.write(),
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

    /// Runs queued jobs until none is due; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        self.jobs.run_until_idle().await.expect("the queue runs")
    }

    /// The user's pending drafts as the API lists them.
    pub async fn pending_drafts(&self) -> Vec<Value> {
        let body = json_body(self.draft_messages().await, 200).await;
        body["draft_messages"].as_array().expect("a list").clone()
    }

    /// (outcome, reason, error) of every run, oldest first.
    pub async fn runs(&self) -> Vec<(String, Option<String>, Option<String>)> {
        sqlx::query_as(
            "SELECT coalesce(outcome, 'running'), reason, error FROM agent_runs ORDER BY id",
        )
        .fetch_all(&self.sql)
        .await
        .expect("runs")
    }

    /// One number from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.sql)
            .await
            .expect("count query")
    }

    /// The status of a draft, straight from the database.
    pub async fn draft_status(&self, draft_message_id: &str) -> String {
        sqlx::query_scalar("SELECT status FROM drafts WHERE draft_message_id = $1")
            .bind(draft_message_id)
            .fetch_one(&self.sql)
            .await
            .expect("draft exists")
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

/// Creates a user (display name = name) with an API token; returns the token.
pub async fn user_with_token(db: &Db, name: &str) -> String {
    let user = db::users::create(db.write(), name, name, None)
        .await
        .expect("user created");
    let token = auth::generate_token();
    db::tokens::insert(db.write(), user.id, "test", &token.hash, &token.prefix)
        .await
        .expect("token stored");
    token.secret
}

/// Posts a thread to `/send-messages/` of the server at `address` with `token`.
pub async fn send_to(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{address}/send-messages/"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent")
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
    assert_eq!(
        body["message"], error["message"],
        "the message is repeated at the top level for old clients"
    );
    error
}

/// A flag read through the `Any` driver: BOOLEAN on PostgreSQL, 0 or 1 on SQLite (where
/// `Any` refuses to read a `bool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        ty.kind() == sqlx::any::AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if value.type_info().kind() == sqlx::any::AnyTypeInfoKind::Bool {
            <bool as sqlx::Decode<sqlx::Any>>::decode(value).map(Flag)
        } else {
            <i64 as sqlx::Decode<sqlx::Any>>::decode(value).map(|n| Flag(n != 0))
        }
    }
}
