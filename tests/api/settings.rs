//! Settings write only what the user changed: a style note that a revision learns while
//! the page is open is never overwritten by a save of the names.

use draftdesk::db;

use crate::helpers::{TestApp, spawn_app};
use crate::pages::{Browser, assert_see_other, csrf, signed_in};

async fn stored(app: &TestApp) -> (String, String) {
    sqlx::query_as("SELECT my_names, style_notes FROM users WHERE name = 'anna'")
        .fetch_one(&app.sql)
        .await
        .expect("the user")
}

async fn user_id(app: &TestApp) -> draftdesk::db::UserId {
    sqlx::query_scalar("SELECT id FROM users WHERE name = 'anna'")
        .fetch_one(&app.sql)
        .await
        .expect("the user")
}

/// A hidden field's value as the page holds it ("" when the page has no such field).
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    match html.find(&marker) {
        Some(at) => html[at + marker.len()..]
            .split('"')
            .next()
            .unwrap_or("")
            .replace("&#10;", "\n"),
        None => String::new(),
    }
}

async fn open_settings_with_notes(app: &TestApp) -> (Browser, String) {
    let browser = signed_in(app, "anna").await;
    let response = browser
        .submit(
            "/settings",
            "/settings/profile",
            &[("names", "anna"), ("style_notes", "Short and warm.")],
        )
        .await;
    assert_see_other(&response, "/settings");
    let page = browser.page("/settings").await;
    (browser, page)
}

/// Posts the profile form of `page` with these names and notes, as the browser would
/// (its CSRF token and the notes it was shown).
async fn save_profile(
    browser: &Browser,
    page: &str,
    names: &str,
    notes: &str,
) -> reqwest::Response {
    browser
        .post(
            "/settings/profile",
            &[
                ("csrf", &csrf(page)),
                ("names", names),
                ("style_notes", notes),
                ("style_notes_seen", &hidden(page, "style_notes_seen")),
            ],
        )
        .await
}

/// A revision learns a note while the page is open.
async fn learn_a_note_meanwhile(app: &TestApp) {
    db::users::add_style_note(app.db.write(), user_id(app).await, "Never use emojis.")
        .await
        .expect("note");
}

#[tokio::test]
async fn saving_names_keeps_a_note_learned_while_the_page_was_open() {
    let app = spawn_app().await;
    let (browser, page) = open_settings_with_notes(&app).await;
    learn_a_note_meanwhile(&app).await;
    let response = save_profile(&browser, &page, "anna\nAnna S.", "Short and warm.").await;
    assert_see_other(&response, "/settings");
    let (names, notes) = stored(&app).await;
    assert_eq!(names, r#"["anna","Anna S."]"#);
    assert_eq!(notes, "Short and warm.\n- Never use emojis.");
}

#[tokio::test]
async fn an_edit_of_notes_that_changed_meanwhile_is_refused_and_both_are_shown() {
    let app = spawn_app().await;
    let (browser, page) = open_settings_with_notes(&app).await;
    learn_a_note_meanwhile(&app).await;
    let response = save_profile(&browser, &page, "anna\nAnna S.", "Short, warm, no jargon.").await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.expect("a page");
    assert!(
        html.contains("Short, warm, no jargon."),
        "the user's edit is kept"
    );
    assert!(
        html.contains("Never use emojis."),
        "the learned note is shown"
    );
    assert!(html.contains("Nothing was saved"), "{html}");
    // Nothing changed; a second save with the page as now shown goes through.
    assert_eq!(stored(&app).await.0, r#"["anna"]"#);
    let response = save_profile(
        &browser,
        &html,
        "anna",
        "Short, warm, no jargon.\n- Never use emojis.",
    )
    .await;
    assert_see_other(&response, "/settings");
    assert_eq!(
        stored(&app).await.1,
        "Short, warm, no jargon.\n- Never use emojis."
    );
}

/// Token and alias times are instants the browser shows in the reader's own time zone
/// (`<time datetime>` in UTC, rewritten by live.js), like every other time.
#[tokio::test]
async fn token_times_are_marked_up_for_local_display() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let response = browser
        .submit("/settings", "/settings/tokens", &[("label", "zapier")])
        .await;
    assert_see_other(&response, "/settings");
    let page = browser.page("/settings").await;
    let row = page
        .split("<td class=\"token-created\"")
        .nth(1)
        .expect("a token row");
    assert!(
        row.starts_with(" data-label=\"Created\"><time datetime=\"20"),
        "{}",
        &row[..row.len().min(200)]
    );
}
