//! The pages that update themselves: what they show after an update, and while the
//! server is away.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_llm::draft;
use crate::harness::World;
use crate::steps::{LINKEDIN, create_token, paste, set_up_account};

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
                .js("return Array.from(document.querySelectorAll('main section'), (s) => s.firstElementChild.tagName);")
                .await;
            assert_eq!(first_in_section, json!(["H2", "H2", "H2"]));
        })
        .await;
}
