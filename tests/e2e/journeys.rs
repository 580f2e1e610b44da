//! What people do with draftdesk, through the browser only.

use std::sync::Arc;

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::fake_llm::{Reply, draft, no_reply};
use crate::harness::World;
use crate::steps::{LINKEDIN, PASSWORD, click, create_token, fill, paste, set_up_account};

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_reviewer_goes_from_first_run_to_an_empty_queue() {
    let world = World::start().await;
    // Bob's draft waits until the work in progress has been seen.
    let gate = Arc::new(Semaphore::new(0));
    world.model.push([
        Reply::Gated(
            gate.clone(),
            Box::new(draft("Hi Bob, Tuesday at 10 works for me. Best, Anna")),
        ),
        draft("Hi Cleo! Happy to review your CV."),
        draft("Tuesday 10:00 works. A."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    world.run("first_run_to_empty_queue", |world| async move {
        // 1. First-run setup, sign out, sign in again.
        set_up_account(&world).await;
        click(&world, "form[action='/logout'] button").await;
        world.wait_for_text("Sign in").await;
        fill(&world, "#name", "anna").await;
        fill(&world, "#password", PASSWORD).await;
        click(&world, "form[action='/login'] button").await;
        world.wait_for_text("Drafts waiting for review").await;
        let token = create_token(&world).await;

        // 2. Paste a LinkedIn conversation, check the preview, submit.
        world.browser.goto(&world.url("/threads/new")).await.expect("page");
        fill(&world, "#thread_name", "Bob").await;
        fill(&world, "#conversation", LINKEDIN).await;
        click(&world, "button[value=preview]").await;
        world.wait_for_text("How it was read").await;
        let preview = world.page_text().await;
        assert!(preview.contains("Bob Baker") && preview.contains("3 messages"), "{preview}");
        click(&world, "button[value=submit]").await;

        // 3. Without reloading, the work in progress and then the draft appear.
        world.wait_for_text("Writing a draft for Bob").await;
        world.js("window.notReloaded = true; return null;").await;
        gate.add_permits(1);
        world.wait_for_text("Hi Bob, Tuesday at 10 works for me.").await;
        assert_eq!(world.js("return window.notReloaded === true;").await, json!(true), "the page was reloaded");

        // 4. Start typing feedback; another draft arrives through the API meanwhile.
        let bob_card = world.browser.find(Locator::Css("article.draft")).await.expect("card");
        let key = bob_card.attr("data-key").await.expect("attr").expect("a key");
        let id = key.trim_start_matches("draft-").to_owned();
        click(&world, &format!("article[data-key='{key}'] details:nth-of-type(1) summary")).await;
        let feedback = format!("#feedback-{id}");
        click(&world, &feedback).await;
        world.browser.find(Locator::Css(&feedback)).await.expect("field").send_keys("shorter, and sign as A.").await.expect("typed");
        world.api_send(&token, "Cleo", json!([{"sender_name": "Cleo", "message_content": "Could you review my CV?"}])).await;
        world.wait_for_text("Hi Cleo! Happy to review your CV.").await;
        let typed = world.js(&format!("return document.querySelector('{feedback}').value;")).await;
        assert_eq!(typed, json!("shorter, and sign as A."), "the typed feedback survived");
        let focused = world.js("return document.activeElement.id;").await;
        assert_eq!(focused, json!(format!("feedback-{id}")), "focus stayed in the feedback box");

        // 5. Send the feedback; the revision replaces the draft; the thread page shows
        //    the chain and the agent's trace.
        click(&world, &format!("article[data-key='{key}'] form[action$='/feedback'] button")).await;
        world.wait_for_text("Tuesday 10:00 works. A.").await;
        world.wait_for_no_text("Hi Bob, Tuesday at 10 works for me.").await;
        click(&world, "article.draft h2 a[href^='/threads/']").await;
        world.wait_for_text("Drafts and revisions").await;
        let thread_page = world.page_text().await;
        assert!(thread_page.contains("superseded") && thread_page.contains("revises"), "{thread_page}");
        assert!(thread_page.contains("shorter, and sign as A."));
        click(&world, "#runs details summary").await;
        world.wait_for_text("proposed a draft (suggest_draft)").await;

        // 6. Approve with an edit, reject the other: both leave the queue.
        world.browser.goto(&world.url("/")).await.expect("dashboard");
        let revised = world.browser.find(Locator::XPath("//article[.//textarea[contains(., 'Tuesday 10:00 works. A.')]]")).await.expect("revised card");
        let revised_key = revised.attr("data-key").await.expect("attr").expect("key");
        fill(&world, &format!("article[data-key='{revised_key}'] textarea[name=final_content]"), "Tuesday 10:00 works for me. A.").await;
        // The draft is edited where it stands, then approved.
        click(&world, &format!("article[data-key='{revised_key}'] button[data-approve]")).await;
        world.wait_for_text("Approved.").await;
        // No are-you-sure prompt: the notice offers Undo instead.
        click(&world, "article.draft form[action$='/reject'] button").await;
        world.wait_for_text("Undo").await;
        world.wait_for_text("No drafts waiting").await;

        let db = crate::support::helpers::any_pool(&world.database_url).await;
        let finals: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT status, final_content FROM drafts WHERE status IN ('approved', 'rejected') ORDER BY status")
                .fetch_all(&db)
                .await
                .expect("drafts");
        assert_eq!(
            finals,
            [("approved".to_owned(), Some("Tuesday 10:00 works for me. A.".to_owned())), ("rejected".to_owned(), None)]
        );
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_failed_run_shows_its_error_and_retry_works() {
    let world = World::start().await;
    world.model.push([Reply::Status(
        401,
        json!({"error": {"code": 401, "message": "No auth credentials found"}}),
        None,
    )]);
    world
        .run("failed_run_and_retry", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("refused the API key").await;
            assert!(
                world
                    .page_text()
                    .await
                    .contains("No auth credentials found")
            );
            world.model.push([draft("Recovered: Tuesday works!")]);
            click(&world, "form[action$='/retry'] button").await;
            world.wait_for_text("Recovered: Tuesday works!").await;
            world.wait_for_no_text("refused the API key").await;
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn the_keyboard_alone_reaches_and_uses_every_control_on_the_dashboard() {
    let world = World::start().await;
    world.model.push([
        draft("Happy to chat on Tuesday."),
        draft("Tuesday it is."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    world.run("keyboard", |world| async move {
        set_up_account(&world).await;
        paste(&world, "Bob", LINKEDIN).await;
        world.wait_for_text("Happy to chat on Tuesday.").await;
        world.browser.goto(&world.url("/")).await.expect("dashboard");
        world.wait_for_text("Happy to chat on Tuesday.").await;

        // Every control that can be used without opening a panel, and reached with Tab.
        let controls = world
            .js("return Array.from(document.querySelectorAll('a[href], button:not([hidden]), summary, input:not([type=hidden]), textarea, select')).filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 80));")
            .await;
        let controls: Vec<String> = serde_json::from_value(controls).expect("list");
        let tab = Key::Tab.to_string();
        let mut reached = Vec::new();
        for _ in 0..(controls.len() + 5) {
            world.browser.active_element().await.expect("focus").send_keys(&tab).await.expect("tab");
            let focused = world.js("return document.activeElement.outerHTML.slice(0, 80);").await;
            reached.push(focused.as_str().unwrap_or_default().to_owned());
        }
        for control in &controls {
            assert!(reached.contains(control), "Tab never reached {control}; reached {reached:#?}");
        }
        let skip = world.js("return document.activeElement.tagName;").await;
        assert_ne!(skip, json!("BODY"));

        // Open the feedback panel, type and send it, with the keyboard only.
        let summary = world.browser.find(Locator::XPath("//summary[normalize-space()='Give feedback']")).await.expect("summary");
        world.js("document.querySelectorAll('summary')[0].focus(); return null;").await;
        let enter = Key::Enter.to_string();
        summary.send_keys(&enter).await.expect("opened");
        world.browser.active_element().await.expect("focus").send_keys(&tab).await.expect("tab");
        world.browser.active_element().await.expect("focus").send_keys("make it shorter").await.expect("typed");
        // Then how far it reaches: one Tab stop for the group, at its checked choice.
        world.browser.active_element().await.expect("focus").send_keys(&tab).await.expect("tab");
        let reach = world.js("return document.activeElement.name + '=' + document.activeElement.value;").await;
        assert_eq!(reach, json!("reach=auto"));
        world.browser.active_element().await.expect("focus").send_keys(&tab).await.expect("tab");
        let button = world.js("return document.activeElement.textContent.trim();").await;
        assert_eq!(button, json!("Revise"));
        world.browser.active_element().await.expect("focus").send_keys(&enter).await.expect("sent");
        world.wait_for_text("Tuesday it is.").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_hostile_message_shows_as_text_and_runs_nothing() {
    let world = World::start().await;
    world.model.push([no_reply("Nothing to answer.")]);
    world
        .run("hostile_message", |world| async move {
            set_up_account(&world).await;
            paste(
                &world,
                "Mallory",
                "Mallory: <img src=x onerror=alert(1)> hello\n",
            )
            .await;
            world
                .browser
                .goto(&world.url("/threads/1"))
                .await
                .expect("thread page");
            world
                .wait_for_text("<img src=x onerror=alert(1)> hello")
                .await;
            assert_eq!(
                world
                    .js("return document.querySelectorAll('main img').length;")
                    .await,
                json!(0)
            );
            assert!(
                world.browser.get_alert_text().await.is_err(),
                "no alert ran"
            );
        })
        .await;
}
