//! Text a reviewer types is never lost: not to a reload, an outage or a new sign-in,
//! and it is let go once what it was typed for was sent.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::fake_llm::{Reply, draft};
use crate::harness::World;
use crate::steps::{LINKEDIN, PASSWORD, click, fill, paste, set_up_account};

/// The value of the field at `css`, or null when there is none.
async fn value(world: &World, css: &str) -> Value {
    world
        .js(&format!(
            "const f = document.querySelector({}); return f ? f.value : null;",
            json!(css)
        ))
        .await
}

/// Everything the page keeps in the browser's storage, keys and values.
async fn kept(world: &World) -> String {
    world
        .js("return JSON.stringify(Object.entries(localStorage));")
        .await
        .as_str()
        .expect("a string")
        .to_owned()
}

/// The key of the first draft card on the page, such as `draft-3f2a…`.
async fn first_card(world: &World) -> String {
    world
        .wait_for("article.draft")
        .await
        .attr("data-key")
        .await
        .expect("attr")
        .expect("a key")
}

async fn type_feedback(world: &World, card: &str, text: &str) {
    click(
        world,
        &format!("article[data-key='{card}'] details:nth-of-type(1) summary"),
    )
    .await;
    let field = world
        .wait_for(&format!(
            "article[data-key='{card}'] textarea[name=feedback]"
        ))
        .await;
    field.click().await.expect("focused");
    field.send_keys(text).await.expect("typed");
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn typed_text_survives_a_reload_and_is_let_go_once_sent() {
    let world = World::start().await;
    world.model.push([
        draft("Hi Bob, Tuesday works."),
        draft("Tuesday 10:00 works. A."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    world
        .run("typed_text_reload", |world| async move {
            set_up_account(&world).await;

            // A paste on the new-thread page, then a reload.
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            fill(&world, "#thread_name", "Bob").await;
            fill(&world, "#conversation", LINKEDIN).await;
            world.browser.refresh().await.expect("reloaded");
            world.wait_for("#conversation").await;
            assert_eq!(value(&world, "#conversation").await, json!(LINKEDIN));
            assert_eq!(value(&world, "#thread_name").await, json!("Bob"));
            // A visit afresh, not a reload the browser may fill in itself.
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            world.wait_for("#conversation").await;
            assert_eq!(value(&world, "#conversation").await, json!(LINKEDIN));
            world
                .wait_for_text("Restored what you typed here before.")
                .await;
            let focused = world.js("return document.activeElement.tagName;").await;
            assert_eq!(focused, json!("BODY"), "restoring took the focus");

            // Sent and accepted: the next empty form stays empty.
            click(&world, "button[value=submit]").await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            world.wait_for("#conversation").await;
            assert_eq!(value(&world, "#conversation").await, json!(""));
            assert_eq!(value(&world, "#thread_name").await, json!(""));

            // Feedback on the dashboard, then a reload: still there, its panel open.
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            let card = first_card(&world).await;
            let feedback = format!("article[data-key='{card}'] textarea[name=feedback]");
            type_feedback(&world, &card, "mention the Tuesday slot").await;
            world.browser.refresh().await.expect("reloaded");
            world.wait_for(&feedback).await;
            assert_eq!(
                value(&world, &feedback).await,
                json!("mention the Tuesday slot")
            );
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            world.wait_for(&feedback).await;
            assert_eq!(
                value(&world, &feedback).await,
                json!("mention the Tuesday slot")
            );
            let open = world
                .js(&format!(
                    "return document.querySelector(\"{feedback}\").closest('details').open;"
                ))
                .await;
            assert_eq!(open, json!(true), "the restored feedback is in view");

            // Sent: the revision replaces the draft, and nothing typed is kept any more.
            click(
                &world,
                &format!(
                    "article[data-key='{card}'] form[action$='/feedback'] button[type=submit]"
                ),
            )
            .await;
            world.wait_for_text("Tuesday 10:00 works. A.").await;
            world.browser.refresh().await.expect("reloaded");
            world.wait_for_text("Tuesday 10:00 works. A.").await;
            assert_eq!(kept(&world).await, "[]");
            let revised = first_card(&world).await;
            assert_eq!(
                value(
                    &world,
                    &format!("article[data-key='{revised}'] textarea[name=feedback]")
                )
                .await,
                json!("")
            );
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn feedback_sent_after_the_session_ended_waits_through_the_sign_in() {
    let world = World::start().await;
    world.model.push([
        draft("Hi Bob, Tuesday works."),
        draft("Tuesday 10:00 works. A."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    world
        .run("typed_text_sign_in", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            let card = first_card(&world).await;
            type_feedback(&world, &card, "mention the Tuesday slot").await;

            // The session ends; the reviewer sends the feedback anyway and lands on the
            // sign-in page. The feedback must not be forgotten.
            let db = crate::support::helpers::any_pool(&world.database_url).await;
            sqlx::query("DELETE FROM tower_sessions")
                .execute(&db)
                .await
                .expect("sessions deleted");
            click(
                &world,
                &format!(
                    "article[data-key='{card}'] form[action$='/feedback'] button[type=submit]"
                ),
            )
            .await;
            world.wait_for("form[action='/login']").await;
            fill(&world, "#name", "anna").await;
            fill(&world, "#password", PASSWORD).await;
            click(&world, "form[action='/login'] button").await;

            let feedback = format!("article[data-key='{card}'] textarea[name=feedback]");
            world.wait_for(&feedback).await;
            assert_eq!(
                value(&world, &feedback).await,
                json!("mention the Tuesday slot")
            );
            let stored = kept(&world).await;
            assert!(
                !stored.contains(PASSWORD) && !stored.contains("csrf"),
                "a password or a CSRF token was kept: {stored}"
            );

            // Sent again, now signed in: accepted, and let go.
            click(
                &world,
                &format!(
                    "article[data-key='{card}'] form[action$='/feedback'] button[type=submit]"
                ),
            )
            .await;
            world.wait_for_text("Tuesday 10:00 works. A.").await;
            assert_eq!(kept(&world).await, "[]");
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn restored_text_can_be_discarded() {
    let world = World::start().await;
    world.model.push([draft("Hi Bob, Tuesday works.")]);
    world
        .run("typed_text_discard", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            let card = first_card(&world).await;
            let approve = format!("article[data-key='{card}'] textarea[name=final_content]");
            fill(&world, &approve, "Tuesday works for me.").await;
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            world.wait_for(&approve).await;
            assert_eq!(
                value(&world, &approve).await,
                json!("Tuesday works for me.")
            );

            let discard = world
                .browser
                .find(Locator::Css(".restored-note button"))
                .await
                .expect("a discard button");
            let name = discard.text().await.expect("text");
            assert!(name.starts_with("Discard"), "{name}");
            discard.click().await.expect("discarded");
            assert_eq!(
                value(&world, &approve).await,
                json!("Hi Bob, Tuesday works.")
            );
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            world.wait_for(&approve).await;
            assert_eq!(
                value(&world, &approve).await,
                json!("Hi Bob, Tuesday works.")
            );
            assert_eq!(kept(&world).await, "[]");
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn signing_out_on_purpose_forgets_what_was_typed() {
    let world = World::start().await;
    world
        .run("typed_text_sign_out", |world| async move {
            set_up_account(&world).await;
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            fill(&world, "#conversation", LINKEDIN).await;
            world.browser.refresh().await.expect("reloaded");
            world.wait_for("#conversation").await;
            assert_eq!(value(&world, "#conversation").await, json!(LINKEDIN));

            // The next person at this browser must not find it.
            click(&world, "form[action='/logout'] button").await;
            world.wait_for("form[action='/login']").await;
            assert_eq!(kept(&world).await, "[]");
            fill(&world, "#name", "anna").await;
            fill(&world, "#password", PASSWORD).await;
            click(&world, "form[action='/login'] button").await;
            world.wait_for_text("Drafts waiting for review").await;
            world
                .browser
                .goto(&world.url("/threads/new"))
                .await
                .expect("page");
            world.wait_for("#conversation").await;
            assert_eq!(value(&world, "#conversation").await, json!(""));
        })
        .await;
}
