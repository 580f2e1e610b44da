//! Reviewing in a real browser: a paste corrected before it is stored, a "no reply
//! needed" turned into a draft, feedback typed on a draft that was replaced, and three
//! drafts reviewed with the keyboard alone.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;

use crate::fake_llm::{Reply, draft, no_reply};
use crate::harness::World;
use crate::steps::{click, create_token, fill, paste, set_up_account};

/// Presses keys in whatever has the focus, as a person at the keyboard would.
async fn press(world: &World, keys: &str) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    world
        .browser
        .perform_actions(actions)
        .await
        .expect("keys pressed");
}

async fn count(world: &World, sql: &str) -> i64 {
    let db = crate::support::helpers::any_pool(&world.database_url).await;
    sqlx::query_scalar(sql).fetch_one(&db).await.expect("count")
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_paste_is_corrected_then_submitted_and_drafted() {
    let world = World::start().await;
    world.model.always(draft("Hi Bob, Tuesday works."));
    world
        .run("paste_corrected", |world| async move {
            set_up_account(&world).await;
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            fill(
                &world,
                "#conversation",
                "Bob Baker: Hi there!\nAnnie: Hello Bob.\nBob Baker: Free on Tuesday?\n\
                 Annie: Let me check.\n",
            )
            .await;
            click(&world, "form#new-thread button[value=preview]").await;
            world.wait_for_text("How it was read").await;
            world
                .wait_for_text("None of these messages is marked as yours")
                .await;
            let name = world.wait_for("#thread_name").await;
            assert_eq!(
                name.prop("value").await.expect("prop").as_deref(),
                Some("Bob Baker")
            );
            // "Annie" is the user under another name; the first line is noise.
            for row in ["#row-1", "#row-3"] {
                world
                    .wait_for(row)
                    .await
                    .select_by_value("mine")
                    .await
                    .expect("chosen");
            }
            world
                .wait_for("#row-0")
                .await
                .select_by_value("remove")
                .await
                .expect("chosen");
            click(&world, "#preview button[value=submit]").await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            assert_eq!(count(&world, "SELECT count(*) FROM messages").await, 3);
            assert_eq!(
                count(&world, "SELECT count(*) FROM messages WHERE is_mine = 1").await,
                2
            );
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_no_reply_decision_is_shown_and_draft_anyway_drafts() {
    let world = World::start().await;
    world.model.push([
        no_reply("Eva only said thanks"),
        draft("Glad it helped, Eva!"),
    ]);
    world
        .run("no_reply_draft_anyway", |world| async move {
            set_up_account(&world).await;
            paste(
                &world,
                "Eva",
                "Eva Stone: Here is the deck.\nEva Stone: Thanks!\n",
            )
            .await;
            world.wait_for_text("Eva only said thanks").await;
            click(&world, "form[action$='/draft-anyway'] button").await;
            world.wait_for_text("Glad it helped, Eva!").await;
            world.wait_for_no_text("Eva only said thanks").await;
            // The draft came in by a live update; the tab's title counts it too.
            let title = world.browser.title().await.expect("a title");
            assert_eq!(title, "(1) Drafts · draftdesk");
            let tools = world.model.requests()[1]["tools"].to_string();
            assert!(!tools.contains("end_work"), "{tools}");
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn feedback_typed_while_the_draft_is_replaced_is_kept_for_the_new_draft() {
    let world = World::start().await;
    world.model.push([
        draft("Hi Bob, Tuesday works."),
        draft("Hi Bob, Wednesday works too."),
        draft("Wednesday it is. A."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    world
        .run("feedback_on_replaced_draft", |world| async move {
            set_up_account(&world).await;
            let token = create_token(&world).await;
            paste(&world, "Bob", "Bob Baker: Free on Tuesday?\n").await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            click(&world, "article.draft details:nth-of-type(1) summary").await;
            let field = world
                .wait_for("article.draft textarea[name=feedback]")
                .await;
            field.click().await.expect("focused");
            field.send_keys("sign as A.").await.expect("typed");
            // Meanwhile a new message replaces the draft (the card being typed in stays).
            world
                .api_send(
                    &token,
                    "Bob",
                    json!([{"sender_name": "Bob Baker", "message_content": "Or Wednesday?"}]),
                )
                .await;
            let started = std::time::Instant::now();
            while count(&world, "SELECT count(*) FROM drafts WHERE status = 'pending' AND content LIKE '%Wednesday%'").await == 0 {
                assert!(started.elapsed() < std::time::Duration::from_secs(30), "no new draft");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            click(
                &world,
                "article.draft details[open] form[action$='/feedback'] button",
            )
            .await;
            world.wait_for_text("a newer draft replaced this one").await;
            world.wait_for_text("Hi Bob, Wednesday works too.").await;
            let kept = world.wait_for("#feedback").await;
            assert_eq!(
                kept.prop("value").await.expect("prop").as_deref(),
                Some("sign as A.")
            );
            click(&world, "form[action$='/feedback'] button[type=submit]").await;
            world.wait_for_text("Wednesday it is. A.").await;
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn three_drafts_are_reviewed_with_the_keyboard_alone() {
    let world = World::start().await;
    world.model.push([
        draft("Draft for Ana."),
        draft("Draft for Ben."),
        draft("Draft for Cy."),
    ]);
    world.model.always(draft("Shorter draft."));
    world
        .run("keyboard_review", |world| async move {
            set_up_account(&world).await;
            for (thread, line) in [
                ("Ana", "Ana: Hello?"),
                ("Ben", "Ben: Hi?"),
                ("Cy", "Cy: Hey?"),
            ] {
                paste(&world, thread, line).await;
                world.wait_for_text(&format!("Draft for {thread}.")).await;
            }
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            world.wait_for("article.draft").await;
            press(&world, "?").await;
            world.wait_for_text("Keyboard shortcuts").await;
            assert_eq!(
                world
                    .js("return document.getElementById('shortcuts').open;")
                    .await,
                json!(true)
            );
            press(&world, "?").await;

            // The newest first: Cy, then Ben, then Ana.
            press(&world, "j").await;
            let focused = world.js("return document.activeElement.id;").await;
            assert!(
                focused.as_str().unwrap_or("").starts_with("card-"),
                "{focused}"
            );
            press(&world, "r").await;
            world.wait_for_text("Undo").await;
            // The page comes back at the next card, focused.
            world.wait_for("article.draft:focus").await;
            press(&world, "a").await;
            press(&world, &Key::Enter.to_string()).await;
            world.wait_for_text("Approved.").await;
            world.wait_for("article.draft:focus").await;
            press(&world, "f").await;
            press(&world, "shorter").await;
            press(&world, &Key::Tab.to_string()).await;
            press(&world, &Key::Enter.to_string()).await;
            world.wait_for_text("Feedback sent").await;

            assert_eq!(
                count(
                    &world,
                    "SELECT count(*) FROM drafts WHERE status = 'rejected'"
                )
                .await,
                1
            );
            assert_eq!(
                count(
                    &world,
                    "SELECT count(*) FROM drafts WHERE status = 'approved'"
                )
                .await,
                1
            );
            assert_eq!(
                count(&world, "SELECT count(*) FROM jobs WHERE kind = 'revise'").await,
                1
            );
            let rejected: String = {
                let db = crate::support::helpers::any_pool(&world.database_url).await;
                sqlx::query_scalar("SELECT content FROM drafts WHERE status = 'rejected'")
                    .fetch_one(&db)
                    .await
                    .expect("the rejected draft")
            };
            assert_eq!(rejected, "Draft for Cy.");
        })
        .await;
}
