//! Every outcome is visible on the pages, and typed text survives a draft that moved on:
//! "no reply needed" with Draft anyway, feedback on a superseded draft, failures in the
//! error style without internal ids, an emptied approve box.

use crate::helpers::{Flag, TestApp, spawn_app};
use crate::pages::{Browser, assert_see_other, paste_thread, pending_draft_id, signed_in};

async fn thread_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM threads WHERE name = $1")
        .bind(name)
        .fetch_one(&app.sql)
        .await
        .expect("the thread")
}

/// A thread whose last message is a plain "Thanks!": the offline drafter decides no
/// reply is needed.
async fn no_reply_thread(app: &TestApp, browser: &Browser) -> i64 {
    paste_thread(
        app,
        browser,
        "Eva",
        "Eva Stone: Here is the deck.\nEva Stone: Thanks!\n",
    )
    .await;
    thread_id(app, "Eva").await
}

#[tokio::test]
async fn a_no_reply_decision_shows_on_the_dashboard_with_its_reason_and_draft_anyway_drafts() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let thread = no_reply_thread(&app, &browser).await;
    let page = browser.page("/").await;
    assert!(page.contains("No reply needed"), "the row is shown");
    assert!(page.contains("natural end"), "with the agent's reason");
    assert!(page.contains(&format!("/threads/{thread}/draft-anyway")));

    let response = browser
        .submit(
            "/",
            &format!("/threads/{thread}/draft-anyway"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    assert!(
        browser.page("/").await.contains("Waiting to draft for"),
        "the row became work in progress"
    );
    app.run_jobs().await;
    let page = browser.page("/").await;
    assert!(
        !page.contains("No reply needed, the agent decided"),
        "{page}"
    );
    let drafted: String = sqlx::query_scalar(
        "SELECT content FROM drafts WHERE thread_id = $1 AND status = 'pending'",
    )
    .bind(thread)
    .fetch_one(&app.sql)
    .await
    .expect("a draft after all");
    assert!(drafted.starts_with("Hi Eva"), "{drafted}");
}

#[tokio::test]
async fn a_no_reply_decision_can_be_dismissed() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    no_reply_thread(&app, &browser).await;
    let run: i64 = sqlx::query_scalar("SELECT id FROM agent_runs WHERE outcome = 'no_reply'")
        .fetch_one(&app.sql)
        .await
        .expect("the run");
    let response = browser
        .submit("/", &format!("/runs/{run}/dismiss"), &[("return_to", "/")])
        .await;
    assert_see_other(&response, "/");
    assert!(
        !browser
            .page("/")
            .await
            .contains("No reply needed, the agent decided")
    );
    // Another user cannot dismiss it, nor see that it exists.
    let other = signed_in(&app, "bob").await;
    let response = other
        .submit("/", &format!("/runs/{run}/dismiss"), &[("return_to", "/")])
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn feedback_typed_on_a_draft_that_was_replaced_is_kept_and_offered_for_the_new_one() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let first = pending_draft_id(&app).await;
    let dashboard = browser.page("/").await;
    // While the reviewer types, new messages arrive and a new draft replaces the first.
    paste_thread(
        &app,
        &browser,
        "Bob",
        &format!(
            "{}Bob Baker: Actually, Wednesday is better.\n",
            crate::pages::PASTE
        ),
    )
    .await;
    let second = pending_draft_id(&app).await;
    assert_ne!(first, second);

    let csrf = crate::pages::csrf(&dashboard);
    let response = browser
        .post(
            &format!("/drafts/{first}/feedback"),
            &[
                ("csrf", &csrf),
                ("feedback", "mention the Tuesday slot"),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.expect("html");
    assert!(
        html.contains("mention the Tuesday slot"),
        "the typed text is kept"
    );
    assert!(html.contains("a newer draft replaced this one"), "{html}");
    assert!(
        html.contains(&format!("/drafts/{second}/feedback")),
        "it can go to the new draft"
    );
    assert!(
        !html.contains(&first),
        "no internal id of the old draft is shown"
    );
}

#[tokio::test]
async fn a_review_action_that_cannot_be_done_is_shown_as_an_error_without_ids() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let draft = pending_draft_id(&app).await;
    let dashboard = browser.page("/").await;
    let csrf = crate::pages::csrf(&dashboard);
    let path = format!("/drafts/{draft}/reject");
    let fields = [("csrf", csrf.as_str()), ("return_to", "/")];
    assert_see_other(&browser.post(&path, &fields).await, "/");
    browser.page("/").await;
    assert_see_other(&browser.post(&path, &fields).await, "/");
    let page = browser.page("/").await;
    assert!(page.contains("banner-error"), "shown as an error");
    assert!(
        page.contains("Not done: it was already rejected."),
        "{page}"
    );
    assert!(!page.contains(&draft));
}

#[tokio::test]
async fn approving_an_emptied_box_is_refused_rather_than_approving_the_original() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let draft = pending_draft_id(&app).await;
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{draft}/approve"),
            &[("final_content", "   "), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let page = browser.page("/").await;
    assert!(page.contains("the final text is empty"), "{page}");
    assert_eq!(app.draft_status(&draft).await, "pending");
}

/// The pages refuse a final text over the limit the API has, and say so.
#[tokio::test]
async fn approving_a_reply_over_the_length_limit_is_refused_on_the_page_as_in_the_api() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let draft = pending_draft_id(&app).await;
    let long = "a".repeat(draftdesk::limits::MAX_CONTENT + 1);
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{draft}/approve"),
            &[("final_content", &long), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let page = browser.page("/").await;
    assert!(page.contains("banner-error"), "{page}");
    assert!(page.contains("longer than 100000 characters"), "{page}");
    assert_eq!(app.draft_status(&draft).await, "pending");
}

#[tokio::test]
async fn a_card_shows_what_it_answers_the_count_is_in_the_heading_and_title_and_work_folds() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(
        &app,
        &browser,
        "Bob",
        "Bob Baker: Hi Anna!\nanna: Hi Bob.\nBob Baker: Are you free on Tuesday?\n\
         Bob Baker: Or Wednesday afternoon?\n",
    )
    .await;
    let page = browser.page("/").await;
    assert!(
        page.contains("<title>(1) Drafts · draftdesk</title>"),
        "{page}"
    );
    assert!(page.contains("Drafts waiting for review <span class=\"count\">(1)</span>"));
    assert!(page.contains("2 messages since your last reply"));
    assert!(page.contains("Are you free on Tuesday?") && page.contains("Or Wednesday afternoon?"));
    assert!(
        !page.contains("Hi Bob."),
        "the user's own reply is not quoted"
    );

    // Four jobs waiting fold into one line.
    for name in ["C1", "C2", "C3", "C4"] {
        app.send_messages(
            name,
            serde_json::json!([crate::helpers::message(name, "Cleo", "Hello?")]),
        )
        .await;
    }
    let page = browser.page("/").await;
    assert!(
        page.contains("<summary>Working on 0, 4 waiting</summary>"),
        "{page}"
    );
}

#[tokio::test]
async fn the_thread_page_offers_draft_anyway_copies_the_approved_text_and_removes_a_message() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let thread = no_reply_thread(&app, &browser).await;
    let page = browser.page(&format!("/threads/{thread}")).await;
    assert!(
        page.contains("The agent decided no reply is needed"),
        "{page}"
    );
    assert!(
        page.contains("The offline drafter applied its rule"),
        "the trace reads as steps"
    );
    assert!(
        page.contains("<summary>JSON</summary>"),
        "with the JSON on request"
    );

    // A message read wrongly can be removed; another user cannot remove it.
    let message: i64 = sqlx::query_scalar("SELECT max(id) FROM messages WHERE thread_id = $1")
        .bind(thread)
        .fetch_one(&app.sql)
        .await
        .expect("a message");
    let path = format!("/threads/{thread}/messages/{message}/remove");
    let other = signed_in(&app, "bob").await;
    assert_eq!(other.submit("/", &path, &[]).await.status(), 404);
    assert_see_other(
        &browser
            .submit(&format!("/threads/{thread}"), &path, &[])
            .await,
        &format!("/threads/{thread}"),
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM messages WHERE thread_id = {thread}"
        ))
        .await,
        1
    );

    // An approved draft shows its final text with a copy button.
    let response = browser
        .submit(
            &format!("/threads/{thread}"),
            &format!("/threads/{thread}/draft-anyway"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
    let draft = pending_draft_id(&app).await;
    browser
        .submit(
            "/",
            &format!("/drafts/{draft}/approve"),
            &[("final_content", "Thanks, Eva!"), ("return_to", "/")],
        )
        .await;
    let page = browser.page(&format!("/threads/{thread}")).await;
    assert!(page.contains("Approved text (edited):"), "{page}");
    assert!(page.contains(&format!("data-copy-target=\"final-{draft}\"")));
    assert!(!page.contains("Sent as"));
}

/// The value of a named hidden input on a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("the field") + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

#[tokio::test]
async fn a_paste_is_corrected_before_it_is_stored() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let paste = "Bob Baker: Hi Anna!\nAnna S: Hi Bob, good to hear from you.\n\
                 Bob Baker: Are you free on Tuesday?\n";
    let fields = |extra: &[(&'static str, &'static str)]| {
        let mut all = vec![
            ("thread_name", ""),
            ("names", "anna"),
            ("format", "auto"),
            ("conversation", paste),
        ];
        all.extend_from_slice(extra);
        all
    };
    // A preview suggests the thread name and warns that no row is the user's.
    let response = browser
        .submit(
            "/threads/new",
            "/threads/new",
            &fields(&[("action", "preview")]),
        )
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(
        html.contains("id=\"thread_name\" name=\"thread_name\" value=\"Bob Baker\""),
        "{html}"
    );
    assert!(html.contains("None of these messages is marked as yours"));
    assert!(
        html.contains("formaction=\"/threads/new#preview\""),
        "the preview is scrolled to"
    );
    let read_as = hidden(&html, "read_as");

    // The user marks the second row as theirs and removes the first, then submits.
    let csrf = crate::pages::csrf(&html);
    let response = browser
        .post(
            "/threads/new",
            &[
                ("csrf", csrf.as_str()),
                ("thread_name", "Bob Baker"),
                ("names", "anna"),
                ("format", "auto"),
                ("conversation", paste),
                ("read_as", &read_as),
                ("row-0", "remove"),
                ("row-1", "mine"),
                ("row-2", "theirs"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    let stored: Vec<(String, Flag)> =
        sqlx::query_as("SELECT content, is_mine FROM messages ORDER BY sort_key, id")
            .fetch_all(&app.sql)
            .await
            .expect("messages");
    let stored: Vec<(String, bool)> = stored.into_iter().map(|(c, Flag(m))| (c, m)).collect();
    assert_eq!(
        stored,
        [
            ("Hi Bob, good to hear from you.".to_owned(), true),
            ("Are you free on Tuesday?".to_owned(), false),
        ]
    );

    // Choices made on another reading (the paste was changed since) do not apply.
    let response = browser
        .post(
            "/threads/new",
            &[
                ("csrf", csrf.as_str()),
                ("thread_name", "Cleo"),
                ("names", "anna"),
                ("format", "auto"),
                (
                    "conversation",
                    "Cleo: One question.\nCleo: Two questions.\n",
                ),
                ("read_as", &read_as),
                ("row-0", "remove"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    assert_eq!(
        app.count("SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.name = 'Cleo'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_rejection_can_be_undone_and_actions_come_back_to_the_next_card() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let bob = pending_draft_id(&app).await;
    paste_thread(&app, &browser, "Cleo", "Cleo: Can you review my CV?\n").await;
    let cleo = pending_draft_id(&app).await;

    // Newest first: Cleo's card, then Bob's. Acting on Cleo's comes back at Bob's.
    let page = browser.page("/").await;
    assert!(page.contains(&format!("value=\"/#card-{bob}\"")), "{page}");
    assert!(page.contains(&format!("id=\"card-{bob}\"")));
    assert!(
        !page.contains("data-confirm=\"Reject"),
        "no are-you-sure prompt"
    );

    let response = browser
        .submit(
            "/",
            &format!("/drafts/{cleo}/reject"),
            &[("return_to", &format!("/#card-{bob}"))],
        )
        .await;
    assert_see_other(&response, &format!("/#card-{bob}"));
    let page = browser.page("/").await;
    assert!(
        page.contains(&format!("/drafts/{cleo}/undo-reject")),
        "an Undo is offered"
    );
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{cleo}/undo-reject"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    assert_eq!(app.draft_status(&cleo).await, "pending");
    assert!(browser.page("/").await.contains("waits for review again"));
}

#[tokio::test]
async fn a_form_posted_after_the_session_ended_signs_in_back_to_its_page() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    let host = app.address.trim_start_matches("http://");
    let post = |referer: String| {
        browser
            .client
            .post(app.url("/drafts/abc/feedback"))
            .header("referer", referer)
            .form(&[("feedback", "shorter")])
            .send()
    };
    let response = post(format!("http://{host}/threads/7?x=1"))
        .await
        .expect("sent");
    assert_see_other(&response, "/login?next=%2Fthreads%2F7%3Fx%3D1");
    // Another site's page is never where sign-in leads.
    let response = post("http://evil.example/threads/7".to_owned())
        .await
        .expect("sent");
    assert_see_other(&response, "/login?next=%2F");
}

#[tokio::test]
async fn a_draft_is_edited_where_it_stands_and_approved_with_the_edit() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let draft = pending_draft_id(&app).await;
    let page = browser.page("/").await;
    assert!(
        page.contains(&format!(
            "<textarea class=\"draft-text\" id=\"text-{draft}\" name=\"final_content\""
        )),
        "the draft itself is the edit box: {page}"
    );
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{draft}/approve"),
            &[("final_content", "Tuesday at 10? A."), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let approved: String =
        sqlx::query_scalar("SELECT final_content FROM drafts WHERE draft_message_id = $1")
            .bind(&draft)
            .fetch_one(&app.sql)
            .await
            .expect("draft");
    assert_eq!(approved, "Tuesday at 10? A.");
}

/// A message removed from a thread (read wrongly, say) stays removed when the client
/// resends the whole thread or the same paste comes again: nothing is stored, nothing
/// redrafted. A message that is new in the resend is taken in as usual.
#[tokio::test]
async fn a_removed_message_is_not_brought_back_by_a_resend_or_the_same_paste() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let thread_messages = serde_json::json!([
        crate::helpers::message("a1", "Ben", "Coffee on Friday?"),
        crate::helpers::message("a2", "Ben", "Unsubscribe | Privacy | Help"),
    ]);
    crate::helpers::json_body(app.send_messages("Ben", thread_messages.clone()).await, 202).await;
    app.run_jobs().await;
    let thread = thread_id(&app, "Ben").await;
    let draft = pending_draft_id(&app).await;
    let removed: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE message_id = 'a2'")
        .fetch_one(&app.sql)
        .await
        .expect("the footer");
    let path = format!("/threads/{thread}/messages/{removed}/remove");
    assert_see_other(
        &browser
            .submit(&format!("/threads/{thread}"), &path, &[])
            .await,
        &format!("/threads/{thread}"),
    );
    let count = |sql: &'static str| {
        let app = &app;
        async move { app.count(sql).await }
    };

    // The same thread again: nothing new, no job, the draft stays.
    let body =
        crate::helpers::json_body(app.send_messages("Ben", thread_messages.clone()).await, 202)
            .await;
    assert_eq!(body["job_id"], serde_json::Value::Null, "{body}");
    assert_eq!(
        count("SELECT count(*) FROM messages WHERE message_id = 'a2'").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM jobs WHERE state = 'queued'").await,
        0
    );
    assert_eq!(pending_draft_id(&app).await, draft);
    // Removing it again finds nothing.
    assert_eq!(browser.submit("/", &path, &[]).await.status(), 404);

    // With a new message too: that one is taken in, the removed one is not.
    let mut more = thread_messages.as_array().expect("a list").clone();
    more.push(crate::helpers::message("a3", "Ben", "Or Saturday?"));
    crate::helpers::json_body(
        app.send_messages("Ben", serde_json::Value::Array(more))
            .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM messages WHERE thread_id = $1 ORDER BY id")
            .bind(thread)
            .fetch_all(&app.sql)
            .await
            .expect("the thread");
    assert_eq!(ids, ["a1", "a3"]);

    // The same for a paste: a line removed stays removed when the paste comes again.
    let paste = "Cleo: Lunch tomorrow?\nCleo: Sent from my phone\n";
    paste_thread(&app, &browser, "Cleo", paste).await;
    let bob = thread_id(&app, "Cleo").await;
    let footer: i64 = sqlx::query_scalar(
        "SELECT id FROM messages WHERE thread_id = $1 AND content = 'Sent from my phone'",
    )
    .bind(bob)
    .fetch_one(&app.sql)
    .await
    .expect("the footer line");
    browser
        .submit(
            &format!("/threads/{bob}"),
            &format!("/threads/{bob}/messages/{footer}/remove"),
            &[],
        )
        .await;
    let jobs_before = count("SELECT count(*) FROM jobs").await;
    paste_thread(&app, &browser, "Cleo", paste).await;
    let contents: Vec<String> =
        sqlx::query_scalar("SELECT content FROM messages WHERE thread_id = $1 ORDER BY id")
            .bind(bob)
            .fetch_all(&app.sql)
            .await
            .expect("Bob's thread");
    assert_eq!(contents, ["Lunch tomorrow?"]);
    assert_eq!(
        count("SELECT count(*) FROM jobs").await,
        jobs_before,
        "nothing queued"
    );
}
