//! "Based on" in a real browser: the fold on a dashboard card opens, stays open while the
//! page updates itself, lists the style note in force, links to the thread a precedent
//! came from, excludes the precedent and retires the note.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fake_llm::{Reply, draft, no_reply};
use crate::harness::World;
use crate::steps::{click, create_token, fill, paste, set_up_account};

async fn scalar(world: &World, sql: &str) -> i64 {
    let db = crate::support::helpers::any_pool(&world.database_url).await;
    sqlx::query_scalar(sql)
        .fetch_one(&db)
        .await
        .expect("a number")
}

async fn is_open(world: &World, fold: &str) -> bool {
    world
        .js(&format!(
            "const d = document.querySelector('{fold}'); return d ? d.open : null;"
        ))
        .await
        .as_bool()
        .unwrap_or_else(|| panic!("{fold} is not on the page"))
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn the_based_on_fold_opens_stays_open_links_to_its_thread_and_excludes() {
    let world = World::start().await;
    world.model.push([
        no_reply("Bob has his answer."),
        Reply::Tool("search_past_messages", json!({"query": "day rate"})),
        draft("It is 850 EUR a day, Dee."),
        draft("Hello Cy."),
        draft("Hello again, Cy."),
    ]);
    world
        .run("based_on", |world| async move {
            set_up_account(&world).await;
            let token = create_token(&world).await;
            world
                .browser
                .goto(&world.url("/settings"))
                .await
                .expect("settings");
            fill(&world, "#new-note", "Sign off with Best.").await;
            click(&world, "#add-note button[type=submit]").await;
            world.wait_for_text("Note added for every draft.").await;
            paste(
                &world,
                "Old client",
                "Bob Baker: What is your day rate for consulting?\nanna: It is 850 EUR per day.\n",
            )
            .await;
            world.wait_for_text("Bob has his answer.").await;
            paste(&world, "New lead", "Dee: Could you share your day rate?\n").await;
            world.wait_for_text("It is 850 EUR a day, Dee.").await;
            let run = scalar(
                &world,
                "SELECT agent_run_id FROM drafts WHERE status = 'pending'",
            )
            .await;
            let fold = format!("#based-on-run-{run}");

            // Folded at first; the precedent is inside, out of sight.
            assert!(!is_open(&world, &fold).await);
            assert!(!world.page_text().await.contains("found by search"));
            click(&world, &format!("{fold} > summary")).await;
            world.wait_for_text("found by search").await;
            world
                .wait_for_text("What is your day rate for consulting?")
                .await;
            world.wait_for_text("Style notes it was given").await;
            world.wait_for_text("Sign off with Best. (for every draft)").await;

            // The page updates itself (a draft for another thread arrives, and this card's
            // actions now come back to it): the fold the reviewer opened stays open, even
            // with the focus elsewhere.
            world
                .js("document.activeElement.blur(); return null;")
                .await;
            world
                .api_send(
                    &token,
                    "Cy",
                    json!([{"sender_name": "Cy", "message_content": "Hi there?"}]),
                )
                .await;
            world.wait_for_text("Hello Cy.").await;
            assert!(is_open(&world, &fold).await, "the open fold was closed");
            let started = Instant::now();
            while scalar(
                &world,
                "SELECT count(*) FROM drafts WHERE status = 'pending'",
            )
            .await
                < 2
            {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "no second draft"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let cy_run = scalar(
                &world,
                "SELECT d.agent_run_id FROM drafts d JOIN threads t ON t.id = d.thread_id \
                 WHERE t.name = 'Cy' AND d.status = 'pending'",
            )
            .await;
            assert!(
                !is_open(&world, &format!("#based-on-run-{cy_run}")).await,
                "a new card's fold comes folded"
            );
            assert!(world.page_text().await.contains("found by search"));

            // The precedent links to its thread.
            let old_client =
                scalar(&world, "SELECT id FROM threads WHERE name = 'Old client'").await;
            click(&world, &format!("{fold} a[href='/threads/{old_client}']")).await;
            world.wait_for_text("Agent runs").await;
            let url = world.browser.current_url().await.expect("a URL");
            assert_eq!(url.path(), format!("/threads/{old_client}"));
            world.wait_for_text("It is 850 EUR per day.").await;

            // Back on the dashboard: "Don't use this again: for good".
            world
                .browser
                .goto(&world.url("/"))
                .await
                .expect("dashboard");
            if !is_open(&world, &fold).await {
                click(&world, &format!("{fold} > summary")).await;
            }
            click(&world, &format!("{fold} button[name=scope][value=always]")).await;
            world
                .wait_for_text("The agent will not use it again.")
                .await;
            // The page comes back at the precedent, its fold open, marked as excluded.
            world.wait_for_text("Not used again.").await;
            assert!(is_open(&world, &fold).await);
            let url = world.browser.current_url().await.expect("a URL");
            assert!(
                url.fragment().is_some_and(|f| f.starts_with("precedent-")),
                "{url}"
            );
            assert_eq!(
                scalar(
                    &world,
                    "SELECT count(*) FROM excluded_precedents WHERE for_thread_id IS NULL"
                )
                .await,
                1
            );

            // Opened by coming back to it, the fold is the reviewer's too: the next update
            // leaves it open.
            world
                .js("document.activeElement.blur(); return null;")
                .await;
            world
                .api_send(
                    &token,
                    "Cy",
                    json!([{"sender_name": "Cy", "message_content": "Still there?"}]),
                )
                .await;
            world.wait_for_text("Hello again, Cy.").await;
            assert!(is_open(&world, &fold).await, "the fold came back closed");

            // "Don't use this again" on the note retires it, and comes back to it.
            click(&world, &format!("{fold} form[action$='/retire'] button")).await;
            world.wait_for_text("Note retired: no draft is given it from now on.").await;
            world.wait_for_text("No draft is given it now.").await;
            assert!(is_open(&world, &fold).await);
            let url = world.browser.current_url().await.expect("a URL");
            assert!(
                url.fragment()
                    .is_some_and(|f| f.starts_with(&format!("run-{run}-note-"))),
                "{url}"
            );
            assert_eq!(
                scalar(
                    &world,
                    "SELECT count(*) FROM style_notes WHERE retired_at IS NOT NULL"
                )
                .await,
                1
            );

            // On a phone, the open panel fits the screen on both pages.
            world
                .browser
                .set_window_size(390, 844)
                .await
                .expect("a phone-sized window");
            let lead = scalar(&world, "SELECT id FROM threads WHERE name = 'New lead'").await;
            for page in ["/".to_owned(), format!("/threads/{lead}")] {
                world.browser.goto(&world.url(&page)).await.expect("page");
                world.wait_for_text("Based on").await;
                world
                    .js("document.querySelectorAll('details.based-on').forEach((d) => { d.open = true; }); return null;")
                    .await;
                let widths = world
                    .js("return [document.documentElement.scrollWidth, window.innerWidth];")
                    .await;
                assert!(widths[1].as_i64() <= Some(400), "not phone-sized: {widths}");
                assert!(
                    widths[0].as_i64() <= widths[1].as_i64(),
                    "{page} scrolls sideways on a phone: {widths}"
                );
            }
        })
        .await;
}
