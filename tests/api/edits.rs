//! Edits teach: an approval whose final text differs from the draft is kept with how it
//! differs, and when the same kind of edit is in 3 of the last 10, a note is proposed on
//! the dashboard and in Settings, never applied until the user accepts it.

use serde_json::json;

use crate::helpers::{TestApp, json_body, message, spawn_app};
use crate::pages::{assert_see_other, signed_in};

/// A new thread drafted by the offline drafter ("Hi Bob,\n\n…\n\nBest,\nanna"), approved
/// with `edit` applied to its draft.
async fn approve_edited(app: &TestApp, n: usize, edit: fn(&str) -> String) {
    let thread = format!("Contact {n}");
    json_body(
        app.send_messages(
            &thread,
            json!([message(
                &format!("m{n}"),
                "Bob Baker",
                "Are you free on Friday?"
            )]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let draft = app
        .pending_drafts()
        .await
        .into_iter()
        .find(|d| d["thread_name"] == thread.as_str())
        .expect("a draft");
    let text = draft["draft_message_content"].as_str().expect("text");
    let id = draft["draft_message_id"].as_str().expect("id");
    json_body(app.approve_draft(id, Some(&edit(text))).await, 200).await;
}

fn no_greeting(draft: &str) -> String {
    let (greeting, rest) = draft.split_once("\n\n").expect("a greeting line");
    assert_eq!(greeting, "Hi Bob,");
    rest.to_owned()
}

fn reworded(draft: &str) -> String {
    draft.replace("shortly", "by tomorrow")
}

fn unchanged(draft: &str) -> String {
    draft.to_owned()
}

async fn open_proposals(app: &TestApp) -> Vec<(i64, String, i64, i64)> {
    sqlx::query_as(
        "SELECT id, text, seen, out_of FROM note_proposals WHERE state = 'open' ORDER BY id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("proposals")
}

/// Whether a page offers to accept or dismiss a proposal.
fn offers_a_proposal(page: &str) -> bool {
    page.contains("action=\"/notes/proposals/")
}

#[tokio::test]
async fn three_removed_greetings_in_ten_edited_approvals_propose_a_note_that_accepting_adds() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    // Approved as drafted: no edit to learn from.
    approve_edited(&app, 0, unchanged).await;
    assert_eq!(app.count("SELECT count(*) FROM draft_edits").await, 0);

    for n in 1..=10 {
        let edit = if n % 3 == 1 && n > 1 {
            no_greeting
        } else {
            reworded
        };
        approve_edited(&app, n, edit).await;
        if n == 9 {
            assert!(
                open_proposals(&app).await.is_empty(),
                "two greetings are no pattern"
            );
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM draft_edits").await, 10);
    assert_eq!(
        app.count("SELECT count(*) FROM draft_edits WHERE greeting_removed = TRUE")
            .await,
        3
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM draft_edits \
             WHERE other = TRUE AND greeting_removed = FALSE AND sign_off_removed = FALSE"
        )
        .await,
        7
    );
    let proposals = open_proposals(&app).await;
    assert_eq!(proposals.len(), 1);
    let (id, text, seen, out_of) = proposals[0].clone();
    assert_eq!(
        (text.as_str(), seen, out_of),
        ("Leave out the greeting.", 3, 10)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM style_notes").await,
        0,
        "nothing is applied before the user accepts"
    );

    let dashboard = browser.page("/").await;
    assert!(dashboard.contains("Suggested style notes"), "{dashboard}");
    assert!(dashboard.contains("Leave out the greeting."));
    assert!(
        dashboard.contains("You removed the greeting in 3 of your last 10 edited approvals."),
        "{dashboard}"
    );
    let settings = browser.page("/settings").await;
    assert!(settings.contains("Suggested from your edits"), "{settings}");
    assert!(offers_a_proposal(&settings));

    let response = browser
        .submit(
            "/",
            &format!("/notes/proposals/{id}/accept"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    let note: (i64, String, String, Option<i64>) =
        sqlx::query_as("SELECT id, text, source, thread_id FROM style_notes")
            .fetch_one(&app.sql)
            .await
            .expect("the accepted note");
    assert_eq!(
        (note.1.as_str(), note.2.as_str(), note.3),
        ("Leave out the greeting.", "edits", None)
    );
    let (state, note_id): (String, Option<i64>) =
        sqlx::query_as("SELECT state, note_id FROM note_proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&app.sql)
            .await
            .expect("the proposal");
    assert_eq!((state.as_str(), note_id), ("accepted", Some(note.0)));
    assert!(!offers_a_proposal(&browser.page("/").await));
    let settings = browser.page("/settings").await;
    assert!(
        settings.contains("Proposed from your edits, accepted by you"),
        "{settings}"
    );

    // While that note is in force, more of the same proposes nothing again.
    for n in 11..=13 {
        approve_edited(&app, n, no_greeting).await;
    }
    assert!(open_proposals(&app).await.is_empty());
}

#[tokio::test]
async fn a_dismissed_proposal_comes_back_only_when_the_edits_recur_anew() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    for n in 1..=3 {
        approve_edited(&app, n, no_greeting).await;
    }
    let proposals = open_proposals(&app).await;
    assert_eq!(proposals.len(), 1);
    let id = proposals[0].0;

    let response = browser
        .submit(
            "/settings",
            &format!("/notes/proposals/{id}/dismiss"),
            &[("return_to", "/settings#notes-heading")],
        )
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    assert!(open_proposals(&app).await.is_empty());
    assert!(!offers_a_proposal(&browser.page("/").await));
    assert_eq!(app.count("SELECT count(*) FROM style_notes").await, 0);
    // Answered once; a second answer is refused plainly.
    let response = browser
        .submit(
            "/",
            &format!("/notes/proposals/{id}/accept"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    assert!(
        browser
            .page("/")
            .await
            .contains("Not done: that suggestion was already accepted or dismissed.")
    );
    assert_eq!(app.count("SELECT count(*) FROM style_notes").await, 0);

    // The three greetings it came from do not count again; three new ones do.
    approve_edited(&app, 4, no_greeting).await;
    approve_edited(&app, 5, reworded).await;
    approve_edited(&app, 6, no_greeting).await;
    assert!(open_proposals(&app).await.is_empty(), "two new ones");
    approve_edited(&app, 7, no_greeting).await;
    let proposals = open_proposals(&app).await;
    assert_eq!(proposals.len(), 1);
    assert_eq!(
        (proposals[0].2, proposals[0].3),
        (3, 7),
        "3 new ones of the last 7"
    );

    // Another account's proposal is not found.
    app.add_user("ben").await;
    let ben = signed_in(&app, "ben").await;
    let response = ben
        .submit(
            "/",
            &format!("/notes/proposals/{}/dismiss", proposals[0].0),
            &[("return_to", "/")],
        )
        .await;
    assert_eq!(response.status(), 404);
}
