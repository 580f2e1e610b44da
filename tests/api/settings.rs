//! Settings: token and alias times. (The style notes in Settings are tested in
//! `notes.rs`.)

use crate::helpers::spawn_app;
use crate::pages::{assert_see_other, signed_in};

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
