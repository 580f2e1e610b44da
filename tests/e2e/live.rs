//! The pages that update themselves: what they show after an update, and while the
//! server is away.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_llm::draft;
use crate::harness::World;
use crate::steps::{LINKEDIN, PASSWORD, click, create_token, fill, paste, set_up_account};

/// The order of the children of `main` and of each live region, as "tag#id" or
/// "tag[key]", for the page in the browser (`live`) and for the same address fetched
/// afresh and parsed (`server`).
const SHAPES: &str = r#"
const done = arguments[arguments.length - 1];
const shape = (doc) => Array.from(doc.querySelectorAll("main, main [data-live-region]"), (region) =>
  `${region.id || region.tagName}: ` + Array.from(region.children, (child) =>
    child.tagName.toLowerCase() + (child.dataset.key ? `[${child.dataset.key}]` : child.id ? `#${child.id}` : "")
  ).join(" "));
fetch(location.href, { credentials: "same-origin" })
  .then((response) => response.text())
  .then((html) => done({ live: shape(document), server: shape(new DOMParser().parseFromString(html, "text/html")) }))
  .catch((error) => done({ error: String(error) }));
"#;

/// Waits until the page in the browser has the same structure as the server's page.
async fn wait_for_same_shape_as_server(world: &World) -> Value {
    let started = Instant::now();
    loop {
        let shapes = world
            .browser
            .execute_async(SHAPES, vec![])
            .await
            .expect("script runs");
        if shapes["live"] == shapes["server"] {
            return shapes["live"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the updated page is not laid out as the server's page: {shapes:#}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_thread_page_keeps_its_headings_above_their_items_after_an_update() {
    let world = World::start().await;
    world.model.push([
        draft("First draft for Bob."),
        draft("Second draft, after Bob wrote again."),
    ]);
    world
        .run("thread_page_order", |world| async move {
            set_up_account(&world).await;
            let token = create_token(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("First draft for Bob.").await;
            world
                .browser
                .goto(&world.url("/threads/1"))
                .await
                .expect("thread page");
            world.wait_for_text("First draft for Bob.").await;
            world.js("window.notReloaded = true; return null;").await;

            // Bob writes again while the page is open: a message, a run and a draft arrive.
            world
                .api_send(
                    &token,
                    "Bob",
                    json!([{"sender_name": "Bob Baker", "message_content": "Are you still there?"}]),
                )
                .await;
            world
                .wait_for_text("Second draft, after Bob wrote again.")
                .await;
            world.wait_for_text("Are you still there?").await;
            assert_eq!(
                world.js("return window.notReloaded === true;").await,
                json!(true),
                "the page was reloaded instead of updated"
            );

            let shape = wait_for_same_shape_as_server(&world).await;
            let text = shape.to_string();
            for section in ["conversation", "thread-drafts", "runs"] {
                assert!(text.contains(&format!("{section}: h2#")), "{shape:#}");
            }
            let order: Vec<usize> = ["section#conversation", "section#thread-drafts", "section#runs"]
                .iter()
                .map(|s| text.find(s).expect("each section is on the page"))
                .collect();
            assert!(order.is_sorted(), "the sections changed places: {shape:#}");
            let first_in_section = world
                .js("return Array.from(document.querySelectorAll('main > section'), (s) => s.firstElementChild.tagName);")
                .await;
            assert_eq!(first_in_section, json!(["H2", "H2", "H2"]));
        })
        .await;
}

/// The text of the connection banner, or "" when there is none.
async fn banner(world: &World) -> String {
    let text = world
        .js("const b = document.querySelector('[role=status][aria-live=polite].connection'); return b ? b.innerText : null;")
        .await;
    text.as_str()
        .expect("the banner's live region is on the page")
        .trim()
        .to_owned()
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn the_dashboard_says_when_the_server_is_away_and_catches_up_when_it_is_back() {
    let world = World::start().await;
    world.model.push([
        draft("Hi Bob, Tuesday works."),
        draft("Hi Cleo, happy to look at your CV."),
    ]);
    world
        .run("outage", |mut world| async move {
            set_up_account(&world).await;
            let token = create_token(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            world.js("window.notReloaded = true; return null;").await;
            assert_eq!(banner(&world).await, "");

            world.stop_server();
            world.wait_for_text("Reconnecting\u{2026}").await;
            assert_eq!(banner(&world).await, "Reconnecting\u{2026}");
            // Long enough for a doubling back-off to have grown past several seconds.
            tokio::time::sleep(Duration::from_secs(12)).await;
            assert_eq!(banner(&world).await, "Reconnecting\u{2026}");

            world.restart_server().await;
            let back = Instant::now();
            world.wait_for_no_text("Reconnecting\u{2026}").await;
            assert!(
                back.elapsed() < Duration::from_secs(8),
                "the banner went {:?} after the server was back",
                back.elapsed()
            );

            // Updates resume: a draft written now shows up without a reload.
            let sent = Instant::now();
            world
                .api_send(
                    &token,
                    "Cleo",
                    json!([{"sender_name": "Cleo", "message_content": "Could you review my CV?"}]),
                )
                .await;
            world
                .wait_for_text("Hi Cleo, happy to look at your CV.")
                .await;
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "the new draft took {:?} to show",
                sent.elapsed()
            );
            assert_eq!(
                world.js("return window.notReloaded === true;").await,
                json!(true),
                "the page was reloaded"
            );
        })
        .await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn a_page_whose_session_ended_says_so_and_links_to_sign_in_and_back() {
    let world = World::start().await;
    world.model.push([draft("Hi Bob, Tuesday works.")]);
    world
        .run("signed_out", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", LINKEDIN).await;
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            world
                .browser
                .goto(&world.url("/threads/1?from=test"))
                .await
                .expect("thread page");
            world.wait_for_text("Drafts and revisions").await;
            click(&world, "#thread-drafts details:nth-of-type(1) summary").await;
            click(&world, "#thread-drafts textarea[name=feedback]").await;

            // The session ends behind the page's back (expired, or signed out elsewhere).
            let db = crate::support::helpers::any_pool(&world.database_url).await;
            sqlx::query("DELETE FROM tower_sessions")
                .execute(&db)
                .await
                .expect("sessions deleted");
            world
                .wait_for_text("You are signed out. Sign in again; what you typed here is kept.")
                .await;
            let focused = world.js("return document.activeElement.name;").await;
            assert_eq!(focused, json!("feedback"), "the banner took the focus");
            let href = world
                .js("return document.querySelector('.connection a').getAttribute('href');")
                .await;
            assert_eq!(href, json!("/login?next=%2Fthreads%2F1%3Ffrom%3Dtest"));

            click(&world, ".connection a").await;
            fill(&world, "#name", "anna").await;
            fill(&world, "#password", PASSWORD).await;
            click(&world, "form[action='/login'] button").await;
            world.wait_for_text("Drafts and revisions").await;
            let at = world.browser.current_url().await.expect("url");
            assert_eq!(at.path(), "/threads/1");
            assert_eq!(at.query(), Some("from=test"));
            assert_eq!(banner(&world).await, "");
        })
        .await;
}
