//! The pages, driven over HTTP with a cookie-keeping client, as a browser would.

use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{
    TestApp, json_body, message, spawn_app, spawn_app_with_model, spawn_app_without_users,
};

/// A cookie-keeping client that does not follow redirects, so tests see the 303s.
pub(crate) struct Browser {
    pub(crate) client: reqwest::Client,
    base: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self::at(&app.address)
    }

    /// A browser on the server at `address` (`http://host:port`).
    pub(crate) fn at(address: &str) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self {
            client,
            base: address.to_owned(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("sent")
    }

    /// The page at `path` as the dashboard's script fetches it to update it live.
    pub(crate) async fn live_refresh(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("X-Draftdesk-Refresh", "1")
            .send()
            .await
            .expect("sent")
    }

    pub(crate) async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("html")
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("sent")
    }

    /// Posts a form with the CSRF token from the page at `from`.
    pub(crate) async fn submit(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.page(from).await;
        let csrf = csrf(&html);
        let mut fields = fields.to_vec();
        fields.push(("csrf", &csrf));
        self.post(path, &fields).await
    }
}

pub(crate) fn csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().expect("a token").to_owned()
}

pub(crate) fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn assert_see_other(response: &Response, to: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a 303 to {to}"
    );
    assert_eq!(location(response), to);
}

/// A user with a password, signed in through the sign-in form.
pub(crate) async fn signed_in(app: &TestApp, name: &str) -> Browser {
    let password = "correct horse battery";
    if draftdesk::db::users::find_by_name(app.db.read(), name)
        .await
        .expect("query")
        .is_none()
    {
        draftdesk::accounts::add_user(&app.db, name, None, Some(password))
            .await
            .expect("user");
    } else {
        let hash = draftdesk::auth::hash_password(password).expect("hash");
        sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
            .bind(hash)
            .bind(name)
            .execute(&app.sql)
            .await
            .expect("password");
    }
    let browser = Browser::new(app);
    let response = browser
        .submit(
            "/login",
            "/login",
            &[("name", name), ("password", password), ("next", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    browser
}

pub(crate) const PASTE: &str = "Bob Baker: Hi Anna! Are you free for a call on Tuesday?\nanna: Let me check.\nBob Baker: Great, also send the deck please?\n";

/// Pastes a conversation through the new-thread form and runs the queue.
pub(crate) async fn paste_thread(app: &TestApp, browser: &Browser, thread: &str, text: &str) {
    let response = browser
        .submit(
            "/threads/new",
            "/threads/new",
            &[
                ("thread_name", thread),
                ("names", "anna"),
                ("format", "auto"),
                ("conversation", text),
                ("action", "submit"),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
}

/// The text of an HTML fragment, its tags left out and its ends trimmed.
pub(crate) fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

pub(crate) async fn pending_draft_id(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT draft_message_id FROM drafts WHERE status = 'pending' ORDER BY id DESC",
    )
    .fetch_one(&app.sql)
    .await
    .expect("a pending draft")
}

#[tokio::test]
async fn first_run_setup_creates_the_account_and_signs_in() {
    let app = spawn_app_without_users(|_| {}).await;
    let token = app.setup_token.clone().expect("a setup link on first run");
    let browser = Browser::new(&app);
    assert_eq!(browser.get("/setup?token=wrong").await.status(), 404);
    let login = browser.page("/login").await;
    assert!(
        login.contains("no account yet"),
        "the sign-in page explains the setup link"
    );

    let setup = format!("/setup?token={token}");
    let response = browser
        .submit(
            &setup,
            "/setup",
            &[
                ("token", &token),
                ("name", "anna"),
                ("display_name", "Anna Schmidt"),
                ("password", "a good password"),
                ("password_again", "a good password"),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("Welcome, Anna Schmidt"), "{dashboard}");
    assert!(dashboard.contains("No drafts waiting"));
    assert!(
        dashboard.contains("offline drafter"),
        "the offline drafter is announced"
    );
    assert_eq!(
        Browser::new(&app).get(&setup).await.status(),
        404,
        "the link works once"
    );
    let names: String = sqlx::query_scalar("SELECT my_names FROM users")
        .fetch_one(&app.sql)
        .await
        .expect("user");
    assert_eq!(names, r#"["anna","Anna Schmidt"]"#);
}

/// A failure of ours during setup is the error page, logged; the form never shows raw
/// database text. A mistake of the person's is shown on the form in plain words.
#[tokio::test]
async fn setup_shows_input_mistakes_plainly_and_never_database_text() {
    let app = spawn_app_without_users(|_| {}).await;
    let token = app.setup_token.clone().expect("token");
    let browser = Browser::new(&app);
    let setup = format!("/setup?token={token}");
    let fields = |name: &str| {
        vec![
            ("token", token.clone()),
            ("name", name.to_owned()),
            ("display_name", String::new()),
            ("password", "a good password".to_owned()),
            ("password_again", "a good password".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        let setup = setup.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.submit(&setup, "/setup", &fields).await
        }
    };

    let response = post(fields(&"x".repeat(101))).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("The name must be 1 to 100 characters"),
        "{page}"
    );
    assert!(
        !page.contains("NAME"),
        "no command-line wording on the page"
    );

    // The database refuses the insert: the person sees the error page, not its text.
    let refuse = match crate::BACKEND {
        crate::database::Backend::Sqlite => vec![
            "CREATE TRIGGER refuse_users BEFORE INSERT ON users \
             BEGIN SELECT RAISE(ABORT, 'internal detail: users table is locked down'); END",
        ],
        crate::database::Backend::Postgres => vec![
            "CREATE FUNCTION refuse_users() RETURNS trigger AS $body$ BEGIN \
             RAISE EXCEPTION 'internal detail: users table is locked down'; END $body$ \
             LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_users BEFORE INSERT ON users \
             FOR EACH ROW EXECUTE FUNCTION refuse_users()",
        ],
    };
    for statement in refuse {
        sqlx::query(statement)
            .execute(&app.sql)
            .await
            .expect("trigger");
    }
    let response = post(fields("anna")).await;
    assert_eq!(response.status(), 500);
    let page = response.text().await.expect("page");
    assert!(!page.contains("internal detail"), "{page}");
    assert!(!page.to_lowercase().contains("database error"), "{page}");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn setup_with_differing_passwords_is_shown_again_with_the_input() {
    let app = spawn_app_without_users(|_| {}).await;
    let token = app.setup_token.clone().expect("token");
    let browser = Browser::new(&app);
    let response = browser
        .submit(
            &format!("/setup?token={token}"),
            "/setup",
            &[
                ("token", &token),
                ("name", "anna"),
                ("display_name", "Anna"),
                ("password", "a good password"),
                ("password_again", "another password"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("The two passwords differ."));
    assert!(html.contains("value=\"anna\""), "the input is kept");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    assert_see_other(&browser.get("/").await, "/login?next=%2F");
    assert_see_other(
        &browser.get("/threads/1").await,
        "/login?next=%2Fthreads%2F1",
    );
    assert_see_other(&browser.get("/settings").await, "/login?next=%2Fsettings");
    assert_see_other(
        &browser.post("/drafts/x/reject", &[("csrf", "x")]).await,
        "/login?next=%2F",
    );
    assert_eq!(browser.get("/live/version").await.status(), 303);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_sign_in_is_rate_limited() {
    let app = spawn_app().await;
    signed_in(&app, "anna").await;
    let browser = Browser::new(&app);
    for _ in 0..5 {
        let response = browser
            .submit(
                "/login",
                "/login",
                &[("name", "anna"), ("password", "wrong password")],
            )
            .await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.expect("html");
        assert!(html.contains("do not match"));
        assert!(html.contains("value=\"anna\""), "the name is kept");
    }
    let response = browser
        .submit(
            "/login",
            "/login",
            &[("name", "anna"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(
        response.status(),
        429,
        "even the right password waits out the limit"
    );
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    let response = Browser::new(&app).get("/login").await;
    let cookie = |response: &Response| {
        response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a cookie")
            .to_owned()
    };
    // Before sign-in only the form token's cookie is set; no session is stored.
    let form = cookie(&response);
    assert!(form.starts_with("draftdesk_form="), "{form}");
    assert!(
        form.contains("HttpOnly") && form.contains("SameSite=Lax"),
        "{form}"
    );
    signed_in(&app, "anna").await;
    let browser = Browser::new(&app);
    let signed = browser
        .submit(
            "/login",
            "/login",
            &[("name", "anna"), ("password", "correct horse battery")],
        )
        .await;
    let cookie = cookie(&signed);
    assert!(cookie.starts_with("draftdesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure") && !form.contains("Secure"),
        "plain http by default: {cookie}"
    );
    let csp = response
        .headers()
        .get("content-security-policy")
        .expect("a CSP");
    assert!(
        csp.to_str()
            .unwrap_or("")
            .contains("frame-ancestors 'none'")
    );
    assert!(csp.to_str().unwrap_or("").contains("script-src 'self'"));
    assert_eq!(
        response
            .headers()
            .get("x-content-type-options")
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "pages send no CORS"
    );
}

#[tokio::test]
async fn a_live_update_leaves_the_notice_to_the_next_page_and_a_plain_visit_saves_nothing() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", PASTE).await;

    // The dashboard's script fetches the page while the reviewer is still on the form's
    // page, or in another tab: the update shows the new draft, not the notice.
    let response = browser.live_refresh("/").await;
    assert_eq!(response.status(), 200);
    let update = response.text().await.expect("html");
    assert!(update.contains("Hi Bob,"), "the update has the draft");
    assert!(!update.contains("Read 3 messages"), "{update}");

    let visit = browser.get("/").await;
    assert!(
        visit.headers().contains_key("set-cookie"),
        "taking the notice saves the session"
    );
    let visit = visit.text().await.expect("html");
    assert!(visit.contains("Read 3 messages"), "the visit shows it");

    // Nothing left to take, and already seen today: the session is not written again
    // (a copy written back could drop a notice a form set meanwhile). The first page of
    // a new day is, should the day turn while this runs.
    let thread: i64 = sqlx::query_scalar("SELECT id FROM threads")
        .fetch_one(&app.sql)
        .await
        .expect("the thread");
    let thread_page = format!("/threads/{thread}");
    for path in ["/", "/settings", "/stats", "/threads/new", &thread_page] {
        let day = chrono::Utc::now().date_naive();
        let response = browser.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            !response.headers().contains_key("set-cookie")
                || chrono::Utc::now().date_naive() != day,
            "{path} saved the session again"
        );
        let html = response.text().await.expect("html");
        assert!(!html.contains("Read 3 messages"), "shown once");
    }
}

#[tokio::test]
async fn the_live_script_marks_its_page_fetches_as_updates() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.expect("a page");
    let at = page
        .find("\"/static/live.")
        .expect("the live script's link")
        + 1;
    let url: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let script = app
        .client
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("the script");
    let header = format!("\"{}\"", draftdesk::web::LIVE_REFRESH_HEADER);
    assert!(
        script.to_ascii_lowercase().contains(&header),
        "live.js sends {header}"
    );
}

#[tokio::test]
async fn a_pasted_thread_is_previewed_submitted_and_drafted_on_the_dashboard() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;

    let response = browser
        .submit(
            "/threads/new",
            "/threads/new",
            &[
                ("thread_name", "Bob"),
                ("names", "anna"),
                ("format", "auto"),
                ("conversation", PASTE),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let preview = response.text().await.expect("html");
    assert!(preview.contains("How it was read"));
    assert!(
        preview.contains("<td><bdi>Bob Baker</bdi></td>")
            && preview.contains("<option value=\"mine\" selected>mine</option>"),
        "{preview}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM messages").await,
        0,
        "a preview stores nothing"
    );

    paste_thread(&app, &browser, "Bob", PASTE).await;
    let dashboard = browser.page("/").await;
    assert!(
        dashboard.contains("Read 3 messages"),
        "the notice says what happened"
    );
    assert!(
        dashboard.contains("Hi Bob,"),
        "the offline draft is shown: {dashboard}"
    );
    assert!(
        dashboard.contains("Great, also send the deck please?"),
        "with the message it answers"
    );
    assert!(dashboard.contains("data-copy-target"), "with a copy button");
}

#[tokio::test]
async fn an_empty_paste_is_shown_again_with_the_message_and_input() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let response = browser
        .submit(
            "/threads/new",
            "/threads/new",
            &[
                ("thread_name", "Kept name"),
                ("names", "anna"),
                ("format", "auto"),
                ("conversation", "  "),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("Paste the conversation"));
    assert!(html.contains("value=\"Kept name\""));
}

#[tokio::test]
async fn a_paste_over_the_message_limit_is_shown_again_with_the_limit_and_the_paste() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let text: String = (0..5_001).map(|i| format!("Bob: note {i}\n")).collect();
    let response = browser
        .submit(
            "/threads/new",
            "/threads/new",
            &[
                ("thread_name", "Bob"),
                ("names", "anna"),
                ("format", "auto"),
                ("conversation", &text),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("at most 5000"), "the limit is named");
    assert!(
        html.contains("Bob: note 5000"),
        "the paste is still in the form"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 0);
}

#[tokio::test]
async fn feedback_approve_and_reject_work_from_the_pages() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", PASTE).await;
    let first = pending_draft_id(&app).await;

    let response = browser
        .submit(
            "/",
            &format!("/drafts/{first}/feedback"),
            &[("feedback", "shorter"), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
    let revised = pending_draft_id(&app).await;
    assert_ne!(revised, first);
    let thread_id: i64 = sqlx::query_scalar("SELECT id FROM threads WHERE name = 'Bob'")
        .fetch_one(&app.sql)
        .await
        .expect("thread");
    let thread_page = browser.page(&format!("/threads/{thread_id}")).await;
    assert!(
        thread_page.contains("superseded")
            && thread_page.contains("Feedback: &ldquo;<span dir=\"auto\">shorter</span>&rdquo;")
    );
    assert!(
        thread_page.contains(&format!("revises {}", &first[..8])),
        "the chain is shown"
    );
    assert!(
        thread_page.contains("offline drafter applied its rule"),
        "the run trace is shown"
    );

    let response = browser
        .submit(
            "/",
            &format!("/drafts/{revised}/approve"),
            &[("final_content", "Tuesday works. A."), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let approved: (String, String) =
        sqlx::query_as("SELECT status, final_content FROM drafts WHERE draft_message_id = $1")
            .bind(&revised)
            .fetch_one(&app.sql)
            .await
            .expect("draft");
    assert_eq!(
        approved,
        ("approved".to_owned(), "Tuesday works. A.".to_owned())
    );
    assert!(browser.page("/").await.contains("No drafts waiting"));

    paste_thread(&app, &browser, "Cleo", "Cleo: Can you review my CV?\n").await;
    let cleo = pending_draft_id(&app).await;
    let response = browser
        .submit(
            &format!("/threads/{}", thread_id + 1),
            &format!("/drafts/{cleo}/reject"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    assert_eq!(app.draft_status(&cleo).await, "rejected");
    assert!(browser.page("/").await.contains("No drafts waiting"));
}

#[tokio::test]
async fn blank_feedback_is_shown_again_with_a_message() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", PASTE).await;
    let id = pending_draft_id(&app).await;
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{id}/feedback"),
            &[("feedback", "  ")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("Write what should change")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'revise'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", PASTE).await;
    let id = pending_draft_id(&app).await;
    for fields in [vec![], vec![("csrf", "forged")]] {
        let response = browser.post(&format!("/drafts/{id}/reject"), &fields).await;
        assert_eq!(response.status(), 403);
        assert!(
            response
                .text()
                .await
                .expect("html")
                .contains("did not come from draftdesk")
        );
    }
    assert_eq!(app.draft_status(&id).await, "pending");
    let response = browser
        .post("/settings/tokens", &[("label", "sneaky")])
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.count("SELECT count(*) FROM api_tokens WHERE label = 'sneaky'")
            .await,
        0
    );
}

/// What the signed-in forms can change, as counts.
async fn forms_snapshot(app: &TestApp) -> Vec<i64> {
    let mut all = Vec::new();
    for sql in [
        "SELECT count(*) FROM threads",
        "SELECT count(*) FROM messages",
        "SELECT count(*) FROM jobs",
        "SELECT count(*) FROM drafts WHERE status = 'pending'",
        "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL",
        "SELECT count(*) FROM user_aliases WHERE removed_at IS NULL",
        "SELECT count(*) FROM agent_runs WHERE dismissed_at IS NULL",
        "SELECT length(my_names) FROM users",
        "SELECT count(*) FROM style_notes WHERE retired_at IS NULL",
        "SELECT count(*) FROM style_notes",
        "SELECT count(*) FROM note_proposals WHERE state = 'open'",
    ] {
        all.push(app.count(sql).await);
    }
    all
}

/// Every form that changes something refuses a post whose CSRF token is missing or
/// forged, before reading it, and changes nothing.
#[tokio::test]
async fn every_signed_in_form_refuses_a_forged_token() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", PASTE).await;
    let draft = pending_draft_id(&app).await;
    let one = |sql: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&app.sql)
                .await
                .expect(sql)
        }
    };
    let thread = one("SELECT id FROM threads").await;
    let message = one("SELECT id FROM messages").await;
    let job = one("SELECT id FROM jobs").await;
    let run = one("SELECT id FROM agent_runs").await;
    let token = one("SELECT id FROM api_tokens").await;
    sqlx::query(
        "INSERT INTO user_aliases (user_id, alias, first_seen_at) \
         SELECT id, 'plugin-1', '2026-11-27T00:00:00Z' FROM users WHERE name = 'anna'",
    )
    .execute(&app.sql)
    .await
    .expect("an alias");
    let alias = one("SELECT id FROM user_aliases").await;
    sqlx::query(
        "INSERT INTO style_notes (user_id, text, source, retired_at) \
         SELECT id, 'Short.', 'settings', NULL FROM users WHERE name = 'anna' \
         UNION ALL SELECT id, 'Formal.', 'settings', '2026-11-27T00:00:00.000Z' FROM users \
         WHERE name = 'anna'",
    )
    .execute(&app.sql)
    .await
    .expect("notes");
    sqlx::query(
        "INSERT INTO note_proposals (user_id, kind, text, seen, out_of, through_edit_id) \
         SELECT id, 'greeting', 'Leave out the greeting.', 3, 10, 1 FROM users \
         WHERE name = 'anna'",
    )
    .execute(&app.sql)
    .await
    .expect("a proposal");
    let note = one("SELECT id FROM style_notes WHERE retired_at IS NULL").await;
    let retired = one("SELECT id FROM style_notes WHERE retired_at IS NOT NULL").await;
    let proposal = one("SELECT id FROM note_proposals").await;
    let before = forms_snapshot(&app).await;
    let paths = [
        "/logout".to_owned(),
        "/threads/new".to_owned(),
        format!("/threads/{thread}/draft-anyway"),
        format!("/threads/{thread}/messages/{message}/remove"),
        format!("/drafts/{draft}/approve"),
        format!("/drafts/{draft}/reject"),
        format!("/drafts/{draft}/undo-reject"),
        format!("/drafts/{draft}/feedback"),
        format!("/jobs/{job}/retry"),
        format!("/runs/{run}/dismiss"),
        "/settings/profile".to_owned(),
        "/settings/tokens".to_owned(),
        format!("/settings/tokens/{token}/revoke"),
        format!("/settings/aliases/{alias}/remove"),
        format!("/settings/aliases/{alias}/restore"),
        "/settings/notes".to_owned(),
        format!("/settings/notes/{note}/edit"),
        format!("/settings/notes/{note}/retire"),
        format!("/settings/notes/{retired}/restore"),
        format!("/notes/proposals/{proposal}/accept"),
        format!("/notes/proposals/{proposal}/dismiss"),
    ];
    for path in &paths {
        for csrf in [None, Some("forged")] {
            let mut fields = vec![
                ("feedback", "shorter"),
                ("names", "mallory"),
                ("text", "x"),
                ("label", "sneaky"),
                ("thread_name", "Eve"),
                ("conversation", "Eve: hi"),
                ("action", "submit"),
            ];
            if let Some(csrf) = csrf {
                fields.push(("csrf", csrf));
            }
            let response = browser.post(path, &fields).await;
            assert_eq!(response.status(), 403, "POST {path} with {csrf:?}");
        }
    }
    assert_eq!(forms_snapshot(&app).await, before);
    // Still signed in: the forged logout did nothing.
    assert_eq!(browser.get("/").await.status(), 200);
}

#[tokio::test]
async fn another_users_thread_and_drafts_are_not_found() {
    let app = spawn_app().await;
    let anna = signed_in(&app, "anna").await;
    paste_thread(&app, &anna, "Bob", PASTE).await;
    let draft = pending_draft_id(&app).await;
    let thread_id: i64 = sqlx::query_scalar("SELECT id FROM threads")
        .fetch_one(&app.sql)
        .await
        .expect("thread");

    let eve = signed_in(&app, "eve").await;
    assert_eq!(
        eve.get(&format!("/threads/{thread_id}")).await.status(),
        404
    );
    let response = eve
        .submit(
            "/",
            &format!("/drafts/{draft}/approve"),
            &[("final_content", "hijacked")],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.draft_status(&draft).await, "pending");
    assert!(
        !eve.page("/").await.contains("Bob"),
        "eve's dashboard shows nothing of anna's"
    );
}

#[tokio::test]
async fn hostile_message_text_is_shown_as_text() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(
        &app,
        &browser,
        "Mallory",
        "Mallory: <script>alert(1)</script><img src=x onerror=alert(1)>\n",
    )
    .await;
    let thread_id: i64 = sqlx::query_scalar("SELECT id FROM threads")
        .fetch_one(&app.sql)
        .await
        .expect("thread");
    for page in [
        browser.page(&format!("/threads/{thread_id}")).await,
        browser.page("/").await,
    ] {
        assert!(!page.contains("<script>alert(1)"), "raw script in the page");
        assert!(!page.contains("<img src=x"), "raw img in the page");
        // askama escapes with numeric character references.
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x"),
            "shown as text"
        );
    }
}

#[tokio::test]
async fn the_live_version_changes_when_drafting_moves_on() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let version =
        || async { json_body(browser.get("/live/version").await, 200).await["version"].clone() };
    let before = version().await;
    assert_eq!(before, version().await, "stable while nothing happens");
    json_body(
        app.send_messages("Dan", json!([message("d1", "Dan", "Lunch?")]))
            .await,
        202,
    )
    .await;
    let queued = version().await;
    assert_ne!(queued, before, "a new message and job change it");
    app.run_jobs().await;
    let drafted = version().await;
    assert_ne!(drafted, queued, "a finished job and a new draft change it");
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains(&format!(
        "data-live-version=\"{}\"",
        drafted.as_str().unwrap_or_default()
    )));
}

#[tokio::test]
async fn the_live_version_changes_with_a_job_that_moves_on_within_its_millisecond() {
    // A fast run claims and finishes its job in one millisecond, and with several workers
    // a slower commit can land with an earlier time than one already seen: the job's state
    // changes while the newest `updated_at` does not.
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let version =
        || async { json_body(browser.get("/live/version").await, 200).await["version"].clone() };
    for (i, name) in ["Dan", "Eve"].iter().enumerate() {
        let id = format!("m{i}");
        json_body(
            app.send_messages(name, json!([message(&id, name, "Lunch?")]))
                .await,
            202,
        )
        .await;
    }
    let moves = [
        ("running", "Dan"),
        ("done", "Dan"),
        ("running", "Eve"),
        ("failed", "Eve"),
        ("queued", "Eve"),
    ];
    let mut seen = version().await;
    for (state, thread) in moves {
        sqlx::query(
            "UPDATE jobs SET state = $1 \
             WHERE thread_id = (SELECT id FROM threads WHERE name = $2)",
        )
        .bind(state)
        .bind(thread)
        .execute(&app.sql)
        .await
        .expect("moved");
        let now = version().await;
        assert_ne!(
            now, seen,
            "{thread}'s job became {state}: the version stayed"
        );
        seen = now;
    }
}

#[tokio::test]
async fn work_in_progress_and_failures_show_on_the_dashboard_and_retry_works() {
    let model = FakeLlm::start().await;
    model.push([Reply::Status(
        401,
        json!({"error": {"message": "No auth credentials found"}}),
        None,
    )]);
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    json_body(
        app.send_messages("Anna", json!([message("a1", "Anna", "Coffee?")]))
            .await,
        202,
    )
    .await;
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("Waiting to draft for"), "{dashboard}");
    assert!(
        dashboard.contains("http-equiv=\"refresh\""),
        "no-JS pages refresh while work is pending"
    );
    assert!(
        !dashboard.contains("offline drafter"),
        "a model is configured"
    );

    app.run_jobs().await;
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("refused the API key"), "{dashboard}");
    let job: i64 = sqlx::query_scalar("SELECT id FROM jobs")
        .fetch_one(&app.sql)
        .await
        .expect("job");
    model.push([draft("Yes, coffee at 10!")]);
    let response = browser
        .submit("/", &format!("/jobs/{job}/retry"), &[("return_to", "/")])
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("Yes, coffee at 10!"));
    assert!(
        !dashboard.contains("refused the API key"),
        "the failure is resolved"
    );
}

#[tokio::test]
async fn settings_save_names_and_notes_and_manage_tokens() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let response = browser
        .submit(
            "/settings",
            "/settings/profile",
            &[("names", "anna\nAnna S.")],
        )
        .await;
    assert_see_other(&response, "/settings");
    let response = browser
        .submit(
            "/settings",
            "/settings/notes",
            &[("text", "Short and warm."), ("thread", "")],
        )
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    let names: String = sqlx::query_scalar("SELECT my_names FROM users WHERE name = 'anna'")
        .fetch_one(&app.sql)
        .await
        .expect("user");
    assert_eq!(names, r#"["anna","Anna S."]"#);
    let notes: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT text, thread_id, source FROM style_notes")
            .fetch_all(&app.sql)
            .await
            .expect("notes");
    assert_eq!(
        notes,
        [("Short and warm.".to_owned(), None, "settings".to_owned())]
    );

    let response = browser
        .submit("/settings", "/settings/tokens", &[("label", "zapier")])
        .await;
    assert_see_other(&response, "/settings");
    let page = browser.page("/settings").await;
    let start = page.find("ddt_").expect("the new token is shown");
    let token: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(token.len(), 68, "{token}");
    assert!(
        !browser.page("/settings").await.contains(&token),
        "shown only once"
    );
    let api = |token: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/draft-messages/?user_id=anna"))
                .bearer_auth(token)
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    assert_eq!(api(token.clone()).await, 200);
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE label = 'zapier'")
        .fetch_one(&app.sql)
        .await
        .expect("token");
    let response = browser
        .submit("/settings", &format!("/settings/tokens/{id}/revoke"), &[])
        .await;
    assert_see_other(&response, "/settings");
    assert_eq!(api(token).await, 401, "revoked tokens stop working at once");
}

#[tokio::test]
async fn the_dashboard_pages_through_many_drafts() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    for i in 0..23 {
        json_body(
            app.send_messages(
                &format!("T{i:02}"),
                json!([message(&format!("m{i}"), "X", "hi?")]),
            )
            .await,
            202,
        )
        .await;
    }
    app.run_jobs().await;
    let first = browser.page("/").await;
    assert_eq!(first.matches("class=\"card draft\"").count(), 20);
    assert!(first.contains("Page 1 of 2") && first.contains("T22"));
    let second = browser.page("/?page=2").await;
    assert_eq!(second.matches("class=\"card draft\"").count(), 3);
    assert!(second.contains("T00"));
}

#[tokio::test]
async fn static_files_are_served_with_caching_headers() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    let response = browser.get("/static/app.css").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap_or("")
            .contains("max-age")
    );
    let etag = response.headers()["etag"].clone();
    let again = browser
        .client
        .get(format!("{}/static/app.css", browser.base))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    assert_eq!(browser.get("/static/live.js").await.status(), 200);
    assert_eq!(browser.get("/static/nope.js").await.status(), 404);
}

#[tokio::test]
async fn every_page_and_form_refuses_a_signed_out_visitor() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    for path in [
        "/",
        "/threads/new",
        "/threads/1",
        "/settings",
        "/live/version",
        "/?page=2",
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), 303, "GET {path}");
        assert!(
            location(&response).starts_with("/login?next="),
            "GET {path}"
        );
    }
    for path in [
        "/threads/new",
        "/drafts/x/approve",
        "/drafts/x/reject",
        "/drafts/x/feedback",
        "/jobs/1/retry",
        "/settings/profile",
        "/settings/tokens",
        "/settings/tokens/1/revoke",
    ] {
        let response = browser
            .post(path, &[("csrf", "x"), ("label", "x"), ("names", "x")])
            .await;
        assert_see_other(&response, "/login?next=%2F");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM api_tokens").await,
        1,
        "nothing was created"
    );
}

#[tokio::test]
async fn a_foreign_user_gets_404_for_everything_of_another_user() {
    let model = FakeLlm::start().await;
    model.push([Reply::Status(
        400,
        json!({"error": {"message": "bad request"}}),
        None,
    )]);
    let app = spawn_app_with_model(&model.base_url).await;
    json_body(
        app.send_messages("Secret", json!([message("s1", "Zed", "private")]))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let job: i64 = sqlx::query_scalar("SELECT id FROM jobs")
        .fetch_one(&app.sql)
        .await
        .expect("job");
    let draft = app.insert_draft("anna", "Secret", "anna's draft").await;
    let token: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.sql)
        .await
        .expect("token");

    let eve = signed_in(&app, "eve").await;
    assert_eq!(eve.get("/threads/1").await.status(), 404);
    for (path, fields) in [
        (
            format!("/drafts/{draft}/approve"),
            vec![("final_content", "hijacked")],
        ),
        (format!("/drafts/{draft}/reject"), vec![]),
        (format!("/drafts/{draft}/feedback"), vec![("feedback", "x")]),
        (format!("/jobs/{job}/retry"), vec![]),
        (format!("/settings/tokens/{token}/revoke"), vec![]),
    ] {
        let response = eve.submit("/", &path, &fields).await;
        assert_eq!(response.status(), 404, "POST {path}");
    }
    assert_eq!(app.draft_status(&draft).await, "pending");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs").await,
        1,
        "no retry was queued"
    );
    json_body(app.draft_messages().await, 200).await;
}
