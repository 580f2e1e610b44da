//! Feedback with a reach, in a real browser: "this contact" chosen on the dashboard card
//! becomes a note for that thread, listed in Settings with the feedback it came from.

use serde_json::json;

use crate::fake_llm::{Reply, draft};
use crate::harness::World;
use crate::steps::{click, paste, set_up_account};

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn feedback_kept_for_this_contact_becomes_a_note_shown_in_settings() {
    let world = World::start().await;
    world.model.push([
        draft("Hi Bob, Tuesday works."),
        draft("Dear Mr. Baker, Tuesday works."),
        Reply::Tool(
            "remember_style",
            json!({"note": "Address Bob as Mr. Baker."}),
        ),
    ]);
    world
        .run("feedback_reach_contact", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", "Bob Baker: Free on Tuesday?\n").await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            click(&world, "article.draft details summary").await;
            let field = world
                .wait_for("article.draft textarea[name=feedback]")
                .await;
            field.click().await.expect("focused");
            field
                .send_keys("he prefers Mr. Baker")
                .await
                .expect("typed");
            // "Let draftdesk decide" is chosen until the reviewer chooses otherwise.
            let auto = world
                .wait_for("article.draft input[name=reach][value=auto]")
                .await;
            assert_eq!(
                auto.prop("checked").await.expect("prop").as_deref(),
                Some("true")
            );
            click(&world, "article.draft input[name=reach][value=contact]").await;
            click(
                &world,
                "article.draft details[open] form[action$='/feedback'] button[type=submit]",
            )
            .await;
            world
                .wait_for_text("It becomes a style note for this contact's drafts.")
                .await;
            world.wait_for_text("Dear Mr. Baker, Tuesday works.").await;

            world
                .browser
                .goto(&world.url("/settings"))
                .await
                .expect("settings");
            world.wait_for_text("Address Bob as Mr. Baker.").await;
            let text = world.page_text().await;
            assert!(text.contains("This contact only: Bob"), "{text}");
            assert!(
                text.contains(
                    "From your feedback \u{201c}he prefers Mr. Baker\u{201d} on a draft for Bob"
                ),
                "{text}"
            );
            let db = crate::support::helpers::any_pool(&world.database_url).await;
            let thread: Option<i64> = sqlx::query_scalar("SELECT thread_id FROM style_notes")
                .fetch_one(&db)
                .await
                .expect("the note");
            assert!(
                thread.is_some(),
                "a note for the thread, not for every draft"
            );
        })
        .await;
}
