//! "Based on" (issue 16): each draft shows what its run looked up and was shown (the
//! approved replies and past messages, each linking to its thread), and the reviewer can
//! keep any of them out of later runs, for this contact or for good.

use serde_json::{Value, json};

use crate::fake_llm::{FakeLlm, Reply, draft, no_reply};
use crate::helpers::{TestApp, json_body, message, spawn_app_with_model};
use crate::pages::{Browser, assert_see_other, pending_draft_id, signed_in, strip_tags};

/// Three threads about a day rate: an old client the user answered, a recruiter whose
/// draft the user approved, and a new lead whose run searches before it drafts. Returns
/// the new lead's run.
async fn day_rate_history(model: &FakeLlm, app: &TestApp) -> i64 {
    model.push([
        no_reply("The user answered last."),
        draft("My day rate is 900 EUR, happy to discuss."),
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        draft("It is 900 EUR a day."),
    ]);
    send(
        app,
        "Old client",
        json!([
            message("o1", "Bob", "What is your day rate for consulting?"),
            message("o2", "anna", "It is 850 EUR per day."),
        ]),
    )
    .await;
    send_one(app, "Recruiter", "r1", "Cleo", "What is your day rate?").await;
    let recruiter_draft = app.pending_drafts().await[0]["draft_message_id"]
        .as_str()
        .expect("id")
        .to_owned();
    json_body(app.approve_draft(&recruiter_draft, None).await, 200).await;
    send_one(
        app,
        "New lead",
        "n1",
        "Dee",
        "Could you share your day rate?",
    )
    .await;
    pending_run(app, "New lead").await
}

/// A new message from `sender` in `thread` whose run searches for "day rate", then
/// drafts. Returns the run's opening prompt (with its examples) and what the search
/// answered.
async fn day_rate_question(
    model: &FakeLlm,
    app: &TestApp,
    thread: &str,
    (id, sender, text): (&str, &str, &str),
) -> (String, String) {
    model.push([
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        draft("900 EUR a day."),
    ]);
    let before = model.requests().len();
    send_one(app, thread, id, sender, text).await;
    let opening = model.requests()[before]["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (opening, last_tool_result(model))
}

async fn send(app: &TestApp, thread: &str, messages: Value) {
    json_body(app.send_messages(thread, messages).await, 202).await;
}

/// Sends one message to the thread and runs the queue.
async fn send_one(app: &TestApp, thread: &str, id: &str, sender: &str, text: &str) {
    app.send_and_run(thread, json!([message(id, sender, text)]))
        .await;
}

/// The run that wrote the thread's pending draft.
async fn pending_run(app: &TestApp, thread: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT d.agent_run_id FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE t.name = $1 AND d.status = 'pending'",
    )
    .bind(thread)
    .fetch_one(&app.sql)
    .await
    .expect("a pending draft with its run")
}

async fn id(app: &TestApp, sql: &str, name: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(&app.sql)
        .await
        .unwrap_or_else(|e| panic!("{sql} ({name}): {e}"))
}

async fn thread_id(app: &TestApp, name: &str) -> i64 {
    id(app, "SELECT id FROM threads WHERE name = $1", name).await
}

async fn message_id(app: &TestApp, external: &str) -> i64 {
    id(
        app,
        "SELECT id FROM messages WHERE message_id = $1",
        external,
    )
    .await
}

async fn approved_draft_in(app: &TestApp, thread: &str) -> i64 {
    id(
        app,
        "SELECT d.id FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE t.name = $1 AND d.status = 'approved'",
        thread,
    )
    .await
}

/// A stored precedent: (id, kind, draft, message, thread, excerpt).
type Row = (i64, String, Option<i64>, Option<i64>, i64, String);

async fn precedents(app: &TestApp, run: i64) -> Vec<Row> {
    sqlx::query_as(
        "SELECT id, kind, draft_id, message_id, thread_id, excerpt FROM run_precedents \
         WHERE run_id = $1 ORDER BY position",
    )
    .bind(run)
    .fetch_all(&app.sql)
    .await
    .expect("the run's precedents")
}

/// The result of the run's `name` tool call, as the transcript recorded it.
async fn tool_result(app: &TestApp, run: i64, name: &str) -> String {
    let transcript: String = sqlx::query_scalar("SELECT transcript FROM agent_runs WHERE id = $1")
        .bind(run)
        .fetch_one(&app.sql)
        .await
        .expect("the run");
    let entries: Vec<Value> = serde_json::from_str(&transcript).expect("JSON");
    entries
        .iter()
        .find(|e| e["kind"] == "tool" && e["name"] == name)
        .and_then(|e| e["result"].as_str())
        .unwrap_or_else(|| panic!("no {name} call in {transcript}"))
        .to_owned()
}

/// The threads named by a search result's numbered items (`1. In "Recruiter":`), in order.
fn threads_listed(result: &str) -> Vec<String> {
    result
        .lines()
        .filter_map(|line| {
            let (number, rest) = line.split_once(". In \"")?;
            number.parse::<u32>().ok()?;
            rest.split('"').next().map(str::to_owned)
        })
        .collect()
}

/// The "Based on" panel of a run on a page: from its element to the end of its fold or
/// section.
fn panel(html: &str, run: i64) -> String {
    let start = html
        .find(&format!("id=\"based-on-run-{run}\""))
        .unwrap_or_else(|| panic!("no panel for run {run} in {html}"));
    let rest = &html[start..];
    let end = ["</details>", "</section>"]
        .iter()
        .filter_map(|tag| rest.find(tag))
        .min()
        .expect("the panel ends");
    rest[..end].to_owned()
}

/// The text the model got back from the last tool call it was sent.
fn last_tool_result(model: &FakeLlm) -> String {
    let requests = model.requests();
    let messages = requests.last().expect("a request")["messages"]
        .as_array()
        .expect("messages")
        .clone();
    let last = messages.last().expect("a message");
    assert_eq!(last["role"], "tool", "the last request answers a tool call");
    last["content"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_panel_lists_exactly_what_the_search_returned_each_linking_to_its_thread() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;

    let recruiter_reply = approved_draft_in(&app, "Recruiter").await;
    let rows = precedents(&app, run).await;
    let what: Vec<(&str, Option<i64>, Option<i64>, i64)> = rows
        .iter()
        .map(|(_, kind, d, m, t, _)| (kind.as_str(), *d, *m, *t))
        .collect();
    assert_eq!(
        what,
        [
            // Shown in the prompt as a recent reply, then found by the search.
            (
                "example",
                Some(recruiter_reply),
                None,
                thread_id(&app, "Recruiter").await
            ),
            (
                "approved",
                Some(recruiter_reply),
                None,
                thread_id(&app, "Recruiter").await
            ),
            (
                "exchange",
                None,
                Some(message_id(&app, "o1").await),
                thread_id(&app, "Old client").await
            ),
            (
                "exchange",
                None,
                Some(message_id(&app, "r1").await),
                thread_id(&app, "Recruiter").await
            ),
        ]
    );

    // The search's part is exactly what the tool answered the model, in its order.
    let result = tool_result(&app, run, "search_past_messages").await;
    assert_eq!(
        threads_listed(&result),
        ["Recruiter", "Old client", "Recruiter"]
    );
    for (_, kind, _, _, _, excerpt) in &rows[1..] {
        assert!(
            result.contains(excerpt.as_str()),
            "{kind} {excerpt}: {result}"
        );
    }
    let example: String = sqlx::query_scalar("SELECT content FROM drafts WHERE id = $1")
        .bind(recruiter_reply)
        .fetch_one(&app.sql)
        .await
        .expect("the approved reply");
    assert_eq!(rows[0].5, example);

    // The dashboard's card folds the same list, each item linking to its thread.
    let browser = signed_in(&app, "anna").await;
    let dashboard = browser.page("/").await;
    let fold = panel(&dashboard, run);
    assert!(fold.starts_with(&format!("id=\"based-on-run-{run}\"")));
    assert!(
        dashboard.contains(&format!(
            "<details class=\"based-on\" id=\"based-on-run-{run}\">"
        )),
        "folded on the dashboard"
    );
    assert!(fold.contains("test/model"), "{fold}");
    let mut at = 0;
    for (precedent, _, _, _, thread, excerpt) in &rows {
        let item = fold[at..]
            .find(&format!("id=\"precedent-{precedent}\""))
            .unwrap_or_else(|| panic!("precedent {precedent} listed in order: {fold}"));
        at += item;
        let next = fold[at..].find("</li>").map_or(fold.len(), |n| at + n);
        let item = &fold[at..next];
        assert!(
            item.contains(&format!("href=\"/threads/{thread}\"")),
            "{item}"
        );
        assert!(item.contains(excerpt.as_str()), "{item}");
        assert!(item.contains("value=\"contact\""), "{item}");
        assert!(item.contains("value=\"always\""), "{item}");
    }
    assert!(
        fold.contains("It is 850 EUR per day."),
        "the answer: {fold}"
    );

    // The old client's "no reply needed" has its panel too, with the run's reason.
    let no_reply: i64 = sqlx::query_scalar(
        "SELECT r.id FROM agent_runs r JOIN threads t ON t.id = r.thread_id \
         WHERE t.name = 'Old client'",
    )
    .fetch_one(&app.sql)
    .await
    .expect("the old client's run");
    let fold = panel(&dashboard, no_reply);
    assert!(fold.contains("The user answered last."), "{fold}");
    assert!(
        fold.contains("It used nothing from your other conversations."),
        "{fold}"
    );

    // The thread page shows it open, under the draft.
    let lead = thread_id(&app, "New lead").await;
    let page = browser.page(&format!("/threads/{lead}")).await;
    let section = panel(&page, run);
    assert!(
        page.contains(&format!(
            "<section class=\"based-on\" id=\"based-on-run-{run}\""
        )),
        "open on the thread page"
    );
    for (precedent, ..) in &rows {
        assert!(section.contains(&format!("id=\"precedent-{precedent}\"")));
    }
    // A screen reader's list of regions tells one thread's panels apart.
    let draft = pending_draft_id(&app).await;
    assert_eq!(heading(&section), format!("Based on draft {}", &draft[..8]));
    let old_client = thread_id(&app, "Old client").await;
    let page = browser.page(&format!("/threads/{old_client}")).await;
    assert_eq!(
        heading(&panel(&page, no_reply)),
        "Based on the no-reply decision"
    );
}

/// The text of a panel's `<h3>`.
fn heading(panel: &str) -> String {
    let start = panel.find("<h3").expect("a heading");
    let end = start + panel[start..].find("</h3>").expect("its end");
    strip_tags(&panel[start..end])
}

#[tokio::test]
async fn for_good_keeps_a_precedent_out_of_every_later_search() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;
    let rows = precedents(&app, run).await;
    let old_question = rows
        .iter()
        .find(|r| r.1 == "exchange" && r.5.contains("for consulting"))
        .expect("the old client's question")
        .0;

    let browser = signed_in(&app, "anna").await;
    let back = format!("/#precedent-{old_question}");
    let response = exclude(&browser, old_question, "always", &back).await;
    assert_see_other(&response, &back);
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("The agent will not use it again."));
    let fold = panel(&dashboard, run);
    let item = item(&fold, &format!("precedent-{old_question}"));
    assert!(item.contains("Not used again."), "{item}");
    assert!(!item.contains("value=\"always\""), "{item}");
    assert!(item.contains("/include"), "it can be taken back: {item}");

    // Another thread's run no longer finds it; the rest of the search is unchanged.
    let (_, result) = day_rate_question(
        &model,
        &app,
        "Second lead",
        ("s1", "Eve", "And your day rate?"),
    )
    .await;
    assert!(!result.contains("for consulting"), "{result}");
    assert!(!result.contains("It is 850 EUR per day."), "{result}");
    assert!(result.contains("My day rate is 900 EUR"), "{result}");
    let second = pending_run(&app, "Second lead").await;
    let old = message_id(&app, "o1").await;
    assert!(
        precedents(&app, second)
            .await
            .iter()
            .all(|r| r.3 != Some(old)),
        "not recorded either"
    );

    // Taken back, it is found again.
    let response = browser
        .submit(
            "/",
            &format!("/precedents/{old_question}/include"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    assert_eq!(
        app.count("SELECT count(*) FROM excluded_precedents").await,
        0
    );
    let (_, result) =
        day_rate_question(&model, &app, "Second lead", ("s2", "Eve", "Is it per day?")).await;
    assert!(result.contains("for consulting"), "{result}");
}

#[tokio::test]
async fn for_this_contact_keeps_a_precedent_out_of_that_threads_runs_only() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;
    let rows = precedents(&app, run).await;
    let approved = rows
        .iter()
        .find(|r| r.1 == "approved")
        .expect("the approved reply")
        .0;

    let browser = signed_in(&app, "anna").await;
    let response = exclude(&browser, approved, "contact", "/").await;
    assert_see_other(&response, "/");
    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("The agent will not use it again for this contact."));
    let fold = panel(&dashboard, run);
    assert_eq!(
        fold.matches("Not used again for this contact.").count(),
        2,
        "the reply is excluded where it was found and where it was an example: {fold}"
    );

    // The same contact's next run: neither in the prompt's examples nor in the search.
    let (opening, result) = day_rate_question(
        &model,
        &app,
        "New lead",
        ("n2", "Dee", "So, what day rate?"),
    )
    .await;
    assert!(!opening.contains("My day rate is 900 EUR"), "{opening}");
    assert!(!result.contains("My day rate is 900 EUR"), "{result}");
    assert!(result.contains("It is 850 EUR per day."), "{result}");

    // Another contact's run still gets it, as an example and from the search.
    let (opening, result) = day_rate_question(
        &model,
        &app,
        "Second lead",
        ("s1", "Eve", "And your day rate?"),
    )
    .await;
    assert!(opening.contains("My day rate is 900 EUR"), "{opening}");
    assert!(result.contains("My day rate is 900 EUR"), "{result}");
}

#[tokio::test]
async fn a_conversation_read_in_full_is_listed_and_can_be_kept_out_as_a_whole() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Old client"})),
        draft("Same as for Bob."),
    ]);
    send_one(&app, "New lead", "n2", "Dee", "Like your other clients?").await;
    let read = pending_run(&app, "New lead").await;
    assert_ne!(read, run);
    let rows = precedents(&app, read).await;
    let thread = rows
        .iter()
        .find(|r| r.1 == "thread")
        .expect("the conversation read");
    assert_eq!(thread.4, thread_id(&app, "Old client").await);
    assert_eq!(thread.5, "anna: It is 850 EUR per day.");

    let browser = signed_in(&app, "anna").await;
    let lead = thread_id(&app, "New lead").await;
    let page = format!("/threads/{lead}");
    let html = browser.page(&page).await;
    assert!(panel(&html, read).contains("read in full"));
    let response = browser
        .submit(
            &page,
            &format!("/precedents/{}/exclude", thread.0),
            &[("scope", "always"), ("return_to", &page)],
        )
        .await;
    assert_see_other(&response, &page);

    // The next run may neither read it nor find its messages.
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Old client"})),
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        draft("900 EUR."),
    ]);
    let before = model.requests().len();
    send_one(&app, "Second lead", "s1", "Eve", "And your day rate?").await;
    let after_read = model.requests()[before + 1]["messages"]
        .as_array()
        .and_then(|m| m.last().cloned())
        .expect("the tool result");
    assert_eq!(
        after_read["content"],
        "error: the user asked not to use the conversation \"Old client\" here"
    );
    let result = last_tool_result(&model);
    assert!(!result.contains("for consulting"), "{result}");
    assert!(result.contains("My day rate is 900 EUR"), "{result}");
}

#[tokio::test]
async fn another_users_precedent_is_not_found_and_a_bad_scope_is_refused() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;
    let precedent = precedents(&app, run).await[0].0;
    let path = format!("/precedents/{precedent}/exclude");

    let other = signed_in(&app, "mallory").await;
    for scope in ["always", "contact", "forever"] {
        let response = other
            .submit("/", &path, &[("scope", scope), ("return_to", "/")])
            .await;
        assert_eq!(response.status(), 404, "{scope}");
    }
    let response = other
        .submit(
            "/",
            &format!("/precedents/{precedent}/include"),
            &[("return_to", "/")],
        )
        .await;
    assert_eq!(response.status(), 404);

    let anna: Browser = signed_in(&app, "anna").await;
    for fields in [
        vec![("scope", "forever"), ("return_to", "/")],
        vec![("scope", ""), ("return_to", "/")],
        vec![("return_to", "/")],
    ] {
        let response = anna.submit("/", &path, &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let page = response.text().await.expect("page");
        assert!(page.contains("for this contact"), "{page}");
    }
    for missing in ["/precedents/999999/exclude", "/precedents/x/exclude"] {
        let response = anna
            .submit("/", missing, &[("scope", "always"), ("return_to", "/")])
            .await;
        assert_eq!(response.status(), 404, "{missing}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM excluded_precedents").await,
        0
    );

    // Twice is once.
    for _ in 0..2 {
        let response = anna
            .submit("/", &path, &[("scope", "always"), ("return_to", "/")])
            .await;
        assert_see_other(&response, "/");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM excluded_precedents").await,
        1
    );
}

/// "Don't use this again" on precedent `id`, for this contact or for good, from the
/// dashboard; the form comes back to `back`.
async fn exclude(browser: &Browser, id: i64, scope: &str, back: &str) -> reqwest::Response {
    browser
        .submit(
            "/",
            &format!("/precedents/{id}/exclude"),
            &[("scope", scope), ("return_to", back)],
        )
        .await
}

/// The item of `id` in a panel, to the end of its list item.
fn item<'a>(panel: &'a str, id: &str) -> &'a str {
    let item = &panel[panel
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} listed: {panel}"))..];
    &item[..item.find("</li>").expect("the item ends")]
}

#[tokio::test]
async fn the_panel_lists_the_notes_in_force_and_dont_use_this_again_retires_one() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    model.push([draft("Hi Bob, sure.")]);
    send_one(&app, "Bob", "b1", "Bob", "Lunch?").await;
    let bob = thread_id(&app, "Bob").await;
    for (text, thread) in [
        ("Sign off with Best.", String::new()),
        ("Call him Robert.", bob.to_string()),
    ] {
        let response = browser
            .submit(
                "/settings",
                "/settings/notes",
                &[("text", text), ("thread", &thread)],
            )
            .await;
        assert_eq!(response.status(), 303, "{text}");
    }
    let always = id(
        &app,
        "SELECT id FROM style_notes WHERE text = $1",
        "Sign off with Best.",
    )
    .await;
    let robert = id(
        &app,
        "SELECT id FROM style_notes WHERE text = $1",
        "Call him Robert.",
    )
    .await;

    // Each run lists the notes it was given: Anna's the "always" one only.
    model.push([draft("Hi Anna. Best."), draft("Hi Robert. Best.")]);
    send(&app, "Anna", json!([message("a1", "Anna", "Coffee?")])).await;
    send_one(&app, "Bob", "b2", "Bob", "Tuesday?").await;
    let anna_run = pending_run(&app, "Anna").await;
    let bob_run = pending_run(&app, "Bob").await;
    let dashboard = browser.page("/").await;
    let anna_panel = panel(&dashboard, anna_run);
    assert!(
        anna_panel.contains("<summary>Based on <span class=\"muted\">(1 style note)</span>"),
        "{anna_panel}"
    );
    let note = item(&anna_panel, &format!("run-{anna_run}-note-{always}"));
    assert!(
        note.contains("Sign off with Best.</span> <span class=\"muted\">(for every draft)"),
        "{note}"
    );
    assert!(
        note.contains(&format!("action=\"/settings/notes/{always}/retire\"")),
        "{note}"
    );
    assert!(!anna_panel.contains("Call him Robert."), "{anna_panel}");
    let bob_panel = panel(&dashboard, bob_run);
    assert!(bob_panel.contains("(2 style notes)"), "{bob_panel}");
    let note = item(&bob_panel, &format!("run-{bob_run}-note-{robert}"));
    assert!(note.contains("(for this contact)"), "{note}");
    // The run that came before the notes was given none, and says nothing of them.
    let first_run = id(
        &app,
        "SELECT min(r.id) FROM agent_runs r JOIN threads t ON t.id = r.thread_id WHERE t.name = $1",
        "Bob",
    )
    .await;
    let thread_page = browser.page(&format!("/threads/{bob}")).await;
    assert!(!panel(&thread_page, first_run).contains("Style notes it was given"));

    // Edited in Settings: the panel keeps what the run was given and says what it reads now.
    let response = browser
        .submit(
            "/settings",
            &format!("/settings/notes/{robert}/edit"),
            &[("text", "Call him Rob.")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let rob = id(
        &app,
        "SELECT id FROM style_notes WHERE text = $1",
        "Call him Rob.",
    )
    .await;
    let thread_page = browser.page(&format!("/threads/{bob}")).await;
    let note = item(
        &panel(&thread_page, bob_run),
        &format!("run-{bob_run}-note-{robert}"),
    )
    .to_owned();
    assert!(note.contains("Call him Robert."), "{note}");
    assert!(
        note.contains("Edited since; it now reads &ldquo;<span dir=\"auto\">Call him Rob.</span>"),
        "{note}"
    );
    assert!(
        note.contains(&format!("action=\"/settings/notes/{rob}/retire\"")),
        "{note}"
    );

    // "Don't use this again" on Anna's card retires the note and comes back to it.
    let back = format!("/#run-{anna_run}-note-{always}");
    let response = browser
        .submit(
            "/",
            &format!("/settings/notes/{always}/retire"),
            &[("return_to", &back)],
        )
        .await;
    assert_see_other(&response, &back);
    let retired: Option<String> =
        sqlx::query_scalar("SELECT retired_at FROM style_notes WHERE id = $1")
            .bind(always)
            .fetch_one(&app.sql)
            .await
            .expect("the note");
    assert!(retired.is_some(), "retired");
    let dashboard = browser.page("/").await;
    assert!(
        dashboard.contains("Note retired: no draft is given it from now on."),
        "the notice"
    );
    let note = item(
        &panel(&dashboard, anna_run),
        &format!("run-{anna_run}-note-{always}"),
    )
    .to_owned();
    assert!(note.contains("No draft is given it now."), "{note}");
    assert!(
        note.contains(&format!("action=\"/settings/notes/{always}/restore\"")),
        "{note}"
    );
    // Bob's card shows it retired too: it is the same note.
    assert!(
        item(
            &panel(&dashboard, bob_run),
            &format!("run-{bob_run}-note-{always}")
        )
        .contains("No draft is given it now.")
    );

    // Anna's next run is not given it.
    model.push([draft("Hi Anna.")]);
    send_one(&app, "Anna", "a2", "Anna", "Or tea?").await;
    let prompt = model.requests().last().expect("a request")["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!prompt.contains("Sign off with Best."), "{prompt}");
    let next = pending_run(&app, "Anna").await;
    assert!(!panel(&browser.page("/").await, next).contains("Style notes it was given"));

    // "Use it again" from the old card restores it.
    let response = browser
        .submit(
            "/",
            &format!("/settings/notes/{always}/restore"),
            &[("return_to", &back)],
        )
        .await;
    assert_see_other(&response, &back);
    assert_eq!(
        app.count("SELECT count(*) FROM style_notes WHERE retired_at IS NULL")
            .await,
        2
    );
}

#[tokio::test]
async fn a_precedent_removed_while_the_run_works_is_left_out_and_the_draft_stands() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    day_rate_history(&model, &app).await;
    let browser = signed_in(&app, "anna").await;
    let old_client = thread_id(&app, "Old client").await;
    let question = message_id(&app, "o1").await;

    // The run finds the old client's question; before it drafts, that message is removed.
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    model.push([
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        Reply::Gated(gate.clone(), Box::new(draft("900 EUR a day."))),
    ]);
    let before = model.requests().len();
    send(
        &app,
        "Second lead",
        json!([message("s1", "Eve", "And your day rate?")]),
    )
    .await;
    let remove = async {
        while model.requests().len() < before + 2 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(last_tool_result(&model).contains("for consulting"));
        let path = format!("/threads/{old_client}/messages/{question}/remove");
        let response = browser
            .submit(&format!("/threads/{old_client}"), &path, &[])
            .await;
        assert_see_other(&response, &format!("/threads/{old_client}"));
        gate.add_permits(1);
    };
    tokio::join!(app.run_jobs(), remove);

    // The draft is there, and its panel lists what still exists.
    let run = pending_run(&app, "Second lead").await;
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM agent_runs WHERE id = $1")
        .bind(run)
        .fetch_one(&app.sql)
        .await
        .expect("the run");
    assert_eq!(outcome, "drafted");
    let rows = precedents(&app, run).await;
    assert!(!rows.is_empty(), "the rest is recorded");
    assert!(rows.iter().all(|r| r.3 != Some(question)), "{rows:?}");
    assert!(!panel(&browser.page("/").await, run).contains("for consulting"));
}

#[tokio::test]
async fn the_thread_being_answered_is_never_a_precedent_nor_kept_from_its_own_run() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    day_rate_history(&model, &app).await;
    let browser = signed_in(&app, "anna").await;
    let recruiter = thread_id(&app, "Recruiter").await;

    // The recruiter writes again: the run is shown its own approved reply as an example of
    // the user's voice, which is not a precedent from another conversation.
    model.push([draft("Yes, 900 EUR.")]);
    let before = model.requests().len();
    send_one(&app, "Recruiter", "r2", "Cleo", "Is that per day?").await;
    let opening = model.requests()[before]["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        opening.contains("My day rate is 900 EUR"),
        "an example: {opening}"
    );
    let run = pending_run(&app, "Recruiter").await;
    assert!(
        precedents(&app, run).await.iter().all(|r| r.4 != recruiter),
        "nothing of the thread itself"
    );
    let fold = panel(&browser.page("/").await, run);
    assert!(
        fold.contains("It used nothing from your other conversations."),
        "{fold}"
    );

    // Another run reads the recruiter's conversation in full; it is kept out for good.
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Recruiter"})),
        draft("900 EUR."),
    ]);
    send_one(&app, "Second lead", "s1", "Eve", "And your day rate?").await;
    let second = pending_run(&app, "Second lead").await;
    let read = precedents(&app, second)
        .await
        .into_iter()
        .find(|r| r.1 == "thread")
        .expect("the conversation read in full")
        .0;
    let response = exclude(&browser, read, "always", "/").await;
    assert_see_other(&response, "/");

    // The recruiter's own run may still read its own conversation.
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Recruiter"})),
        draft("Still 900 EUR."),
    ]);
    send_one(&app, "Recruiter", "r3", "Cleo", "Is that negotiable?").await;
    let result = last_tool_result(&model);
    assert!(result.starts_with("Conversation \"Recruiter\""), "{result}");
    // Any other run may not.
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Recruiter"})),
        draft("900 EUR, as said."),
    ]);
    send_one(&app, "Second lead", "s2", "Eve", "Per day?").await;
    let result = last_tool_result(&model);
    assert!(
        result.contains("asked not to use the conversation"),
        "{result}"
    );
}

#[tokio::test]
async fn a_run_from_before_the_record_says_so_and_using_a_conversation_again_says_how_much() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let run = day_rate_history(&model, &app).await;
    let browser = signed_in(&app, "anna").await;

    // A run from before draftdesk recorded what runs were given.
    sqlx::query("UPDATE agent_runs SET style_note_ids = NULL WHERE id = $1")
        .bind(run)
        .execute(&app.sql)
        .await
        .expect("updated");
    sqlx::query("DELETE FROM run_precedents WHERE run_id = $1")
        .bind(run)
        .execute(&app.sql)
        .await
        .expect("deleted");
    let fold = panel(&browser.page("/").await, run);
    assert!(fold.contains("was not recorded"), "{fold}");
    assert!(
        !fold.contains("It used nothing from your other conversations."),
        "{fold}"
    );
    assert!(
        fold.contains("<summary>Based on</summary>"),
        "no counts: {fold}"
    );

    // A conversation read in full and kept out keeps its messages out too; using one of
    // them again frees the whole conversation, and the notice says so.
    model.push([
        Reply::Tool("get_thread", json!({"thread_name": "Old client"})),
        Reply::Tool("search_past_messages", json!({"query": "consulting"})),
        draft("900 EUR."),
    ]);
    send_one(&app, "Second lead", "s1", "Eve", "And your day rate?").await;
    let second = pending_run(&app, "Second lead").await;
    let rows = precedents(&app, second).await;
    let read = rows.iter().find(|r| r.1 == "thread").expect("read").0;
    let found = rows.iter().find(|r| r.1 == "exchange").expect("found").0;
    exclude(&browser, read, "contact", "/").await;
    let fold = panel(&browser.page("/").await, second);
    let message = item(&fold, &format!("precedent-{found}"));
    assert!(
        message.contains("Not used again for this contact."),
        "{message}"
    );
    let response = browser
        .submit(
            "/",
            &format!("/precedents/{found}/include"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let dashboard = browser.page("/").await;
    assert!(
        dashboard.contains("The agent may use it again, and the rest of its conversation too."),
        "{dashboard}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM excluded_precedents").await,
        0
    );
}
