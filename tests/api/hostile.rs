//! Malformed and hostile requests against every endpoint: each gets a 4xx with the JSON
//! error shape, never a 5xx, and what is stored does not change.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, message, spawn_app, spawn_app_with_a_draft};

/// Row counts and the pending draft, to prove nothing changed.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT count(*) FROM messages",
        "SELECT count(*) FROM threads",
        "SELECT count(*) FROM jobs",
        "SELECT count(*) FROM drafts WHERE status = 'pending'",
        "SELECT count(*) FROM drafts",
        "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL",
        "SELECT count(*) FROM users",
        "SELECT count(*) FROM user_aliases",
    ] {
        counts.push(app.count(sql).await);
    }
    counts
}

struct Case {
    method: Method,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    /// The exact status expected, when one is; otherwise any 4xx.
    status: Option<u16>,
}

fn json_case(path: &str, body: Value, status: u16) -> Case {
    Case {
        method: Method::POST,
        path: path.to_owned(),
        content_type: "application/json",
        body: body.to_string().into_bytes(),
        status: Some(status),
    }
}

fn raw(path: &str, content_type: &'static str, body: &[u8], status: Option<u16>) -> Case {
    Case {
        method: Method::POST,
        path: path.to_owned(),
        content_type,
        body: body.to_vec(),
        status,
    }
}

fn get(path: &str, status: u16) -> Case {
    Case {
        method: Method::GET,
        path: path.to_owned(),
        content_type: "",
        body: Vec::new(),
        status: Some(status),
    }
}

fn cases(draft: &str) -> Vec<Case> {
    let send = "/send-messages/";
    let ok_message = message("new", "Bob", "hello");
    let long = "x".repeat(150_000);
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    vec![
        // send-messages: wrong types, missing fields, nulls, sizes, unknown fields.
        json_case(send, json!({}), 422),
        json_case(send, json!(null), 422),
        json_case(send, json!([]), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": 123, "messages": [ok_message]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": null}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [null]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": "not a list"}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [{"sender_name": null, "message_content": "x"}]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [{"sender_name": "A", "message_content": {"a": 1}}]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [{"sender_name": "A", "message_content": "x", "date": 20261125}]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "x".repeat(300), "messages": [ok_message]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [message("big", "A", &long)]}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [ok_message], "priority": "high"}), 422),
        json_case(send, json!({"user_id": "anna", "thread_name": "t", "messages": [{"sender_name": "A", "message_content": "x", "attachments": []}]}), 422),
        json_case(send, json!({"user_id": true, "thread_name": "t", "messages": [ok_message]}), 422),
        json_case(send, json!({"user_id": "zed", "thread_name": "t", "messages": [ok_message]}), 403),
        raw(send, "application/json", deep.as_bytes(), None),
        raw(send, "application/json", format!("{{\"user_id\": {deep}}}").as_bytes(), None),
        raw(send, "application/json", b"{\"user_id\": \"\xff\xfe\", \"thread_name\": \"t\", \"messages\": []}", Some(400)),
        raw(send, "application/json", b"{\"user_id\": \"anna\", \"thread_name\": \"t\", \"messages\": [{\"message_id\": 1e400, \"sender_name\": \"A\", \"message_content\": \"x\"}]}", None),
        raw(send, "application/json", b"{\"user_id\": \"anna\",", Some(400)),
        raw(send, "application/json", b"", Some(400)),
        raw(send, "application/xml", b"<messages/>", Some(415)),
        raw(send, "multipart/form-data; boundary=x", b"--x--", Some(415)),
        raw(send, "application/x-www-form-urlencoded", b"", Some(422)),
        raw(send, "application/x-www-form-urlencoded", b"user_id=anna&thread_name=t&sender_name=A", Some(422)),
        raw(send, "application/x-www-form-urlencoded", b"user_id=anna&thread_name=t&conversation=%20%20", Some(422)),
        raw(send, "application/x-www-form-urlencoded", b"user_id=anna&thread_name=t&conversation=x&format=telegram", Some(422)),
        // The review endpoints.
        json_case("/process-feedback/", json!({}), 422),
        json_case("/process-feedback/", json!({"user_id": "anna", "draft_message_id": true, "feedback": "x"}), 422),
        json_case("/process-feedback/", json!({"user_id": "anna", "draft_message_id": draft, "feedback": 7}), 422),
        json_case("/process-feedback/", json!({"user_id": "anna", "draft_message_id": draft, "feedback": "x".repeat(20_000)}), 422),
        json_case("/process-feedback/", json!({"user_id": "anna", "draft_message_id": draft, "feedback": "x", "urgent": true}), 422),
        json_case("/process-feedback/", json!({"user_id": "anna", "draft_message_id": -1, "feedback": "x"}), 404),
        json_case("/reject-draft/", json!({"user_id": "anna", "draft_message_id": null}), 422),
        json_case("/reject-draft/", json!({"user_id": "anna", "draft_message_id": "' OR 1=1 --"}), 404),
        raw("/reject-draft/", "application/json", b"{\"user_id\": \"anna\", \"draft_message_id\": 99999999999999999999999}", None),
        json_case("/reject-draft/", json!({"user_id": ["anna"], "draft_message_id": draft}), 422),
        json_case("/approve-draft/", json!({"user_id": "anna", "draft_message_id": draft, "final_content": 5}), 422),
        json_case("/approve-draft/", json!({"user_id": "anna", "draft_message_id": draft, "final_content": long}), 422),
        json_case("/approve-draft/", json!({"user_id": "anna"}), 422),
        raw("/approve-draft/", "text/csv", b"a,b", Some(415)),
        // Queries and paths.
        get("/draft-messages/", 422),
        get("/draft-messages/?user_id[]=anna", 422),
        get("/draft-messages/?user_id=%ff%fe", 422),
        get("/draft-messages/?user_id=a%0Ab", 422),
        get("/jobs/-1", 404),
        get("/jobs/1.5", 404),
        get("/jobs/%00", 404),
        get("/jobs/99999999999999999999999999", 404),
        get("//send-messages/", 405), // repeated slashes are collapsed
        get("/%2e%2e/send-messages/", 405), // the client resolves it to /send-messages/
        get("/t/%2F/draft-messages/?user_id=anna", 401),
        get("/send-messages/", 405),
        Case { method: Method::DELETE, path: "/reject-draft/".to_owned(), content_type: "", body: Vec::new(), status: Some(405) },
    ]
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_json_error_and_change_nothing() {
    let (app, draft) = spawn_app_with_a_draft("Sure!").await;
    app.add_user("zed").await;
    let before = snapshot(&app).await;

    for case in cases(&draft) {
        let mut request = app
            .client
            .request(case.method.clone(), app.url(&case.path))
            .bearer_auth(&app.token)
            .body(case.body.clone());
        if !case.content_type.is_empty() {
            request = request.header("content-type", case.content_type);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let shown = String::from_utf8_lossy(&case.body[..case.body.len().min(120)]).into_owned();
        let what = format!("{} {} {shown}", case.method, case.path);
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        if let Some(expected) = case.status {
            assert_eq!(status, expected, "{what}: {text}");
        }
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"));
        assert!(
            body["error"]["code"].is_string() && body["error"]["message"].is_string(),
            "{what}: {body}"
        );
    }

    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused request changed stored data"
    );
    assert_eq!(app.draft_status(&draft).await, "pending");
    json_body(app.get("/healthz").await, 200).await;
}

#[tokio::test]
async fn sql_and_html_in_fields_are_stored_as_plain_text() {
    let app = spawn_app().await;
    let thread = "Robert'); DROP TABLE messages;--";
    let content = "<script>alert(1)</script> ' OR '1'='1";
    let body = json_body(
        app.send_messages(thread, json!([message("x1", "Bobby \"Tables\"", content)]))
            .await,
        202,
    )
    .await;
    assert_eq!(body["thread_name"], thread);
    let stored: (String, String) = sqlx::query_as(
        "SELECT t.name, m.content FROM messages m JOIN threads t ON t.id = m.thread_id",
    )
    .fetch_one(&app.sql)
    .await
    .expect("the messages table is still there");
    assert_eq!(stored, (thread.to_owned(), content.to_owned()));
}

/// A NUL character in any text a client sends never gives a 5xx: PostgreSQL cannot store
/// one in text (SQLite can), so the same request must be answered alike on both.
#[tokio::test]
async fn a_nul_character_in_any_field_is_never_a_server_error() {
    let (app, draft) = spawn_app_with_a_draft("Sure!").await;
    let nul = "before\u{0}after";
    let cases: Vec<(&str, Value)> = vec![
        (
            "/send-messages/",
            json!({"user_id": "anna", "thread_name": nul, "messages": [message("n1", "Nia", "Hi")]}),
        ),
        (
            "/send-messages/",
            json!({"user_id": "anna", "thread_name": "Nia", "messages": [message("n2", nul, "Hi")]}),
        ),
        (
            "/send-messages/",
            json!({"user_id": "anna", "thread_name": "Nia", "messages": [message("n3", "Nia", nul)]}),
        ),
        (
            "/send-messages/",
            json!({"user_id": "anna", "thread_name": "Nia", "messages": [message(nul, "Nia", "Hi")]}),
        ),
        (
            "/send-messages/",
            json!({"user_id": nul, "thread_name": "Nia", "messages": [message("n4", "Nia", "Hi")]}),
        ),
        (
            "/process-feedback/",
            json!({"user_id": "anna", "draft_message_id": draft, "feedback": nul}),
        ),
        (
            "/process-feedback/",
            json!({"user_id": "anna", "draft_message_id": nul, "feedback": "x"}),
        ),
        (
            "/approve-draft/",
            json!({"user_id": "anna", "draft_message_id": draft, "final_content": nul}),
        ),
    ];
    let before = snapshot(&app).await;
    for (path, body) in cases {
        let response = app.post(path, &body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!(status, 400, "{path} {body}: {text}");
        assert!(text.contains("NUL character (U+0000)"), "{path}: {text}");
    }
    // The same as a form, and in a query.
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .form(&[("user_id", "anna"), ("thread_name", nul)])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let response = app.get("/draft-messages/?user_id=an%00na").await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("the address contains a NUL")
    );

    // The pages say it in a page, whichever form it came from.
    let browser = crate::pages::signed_in(&app, "anna").await;
    for (from, path, fields) in [
        (
            "/settings",
            "/settings/notes",
            vec![("text", nul), ("thread", "")],
        ),
        (
            "/threads/new",
            "/threads/new",
            vec![("conversation", nul), ("action", "submit")],
        ),
    ] {
        let response = browser.submit(from, path, &fields).await;
        assert_eq!(response.status(), 400, "{path}");
        let page = response.text().await.expect("a page");
        assert!(page.contains("invisible NUL character"), "{path}: {page}");
        assert!(page.contains("<html"), "{path}: {page}");
    }
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[("username", nul), ("password", "x")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused request changed stored data"
    );
    json_body(app.get("/healthz").await, 200).await;
}

/// A model that writes a NUL into its tool call gets its draft stored without it, on both
/// backends, rather than a run that fails on PostgreSQL.
#[tokio::test]
async fn a_nul_a_model_writes_is_left_out_of_what_is_stored() {
    use crate::fake_llm::{FakeLlm, Reply};

    let model = FakeLlm::start().await;
    model.push([
        Reply::RawArguments("search_past_messages", r#"{"query": "lunch\u0000 plans"}"#),
        Reply::RawArguments(
            "suggest_draft",
            r#"{"draft_content": "Hi Anna,\u0000 lunch on Friday? \\u0000 stays as text"}"#,
        ),
    ]);
    let app = crate::helpers::spawn_app_with_model(&model.base_url).await;
    app.send_and_run("Anna", json!([message("a1", "Anna", "Lunch?")]))
        .await;
    let drafts = app.pending_drafts().await;
    assert_eq!(
        drafts[0]["draft_message_content"],
        "Hi Anna, lunch on Friday? \\u0000 stays as text"
    );
}
