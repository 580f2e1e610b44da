//! Times on the pages: stored and sent in UTC, shown in the reader's own time zone, as
//! labels that age while the page stays open.

use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Utc};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::fake_llm::{Reply, draft};
use crate::harness::{BROWSER_TIME_ZONE, World};
use crate::steps::{LINKEDIN, paste, set_up_account};

/// Asia/Kolkata, the browser's zone: UTC+05:30 all year.
fn browser_zone() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 1800).expect("a valid offset")
}

/// The text and title of the first draft card's time.
async fn drafted(world: &World) -> (String, String) {
    let label: Value = world
        .js("const t = document.querySelector('article.draft time'); return [t.textContent, t.title];")
        .await;
    let text = |i: usize| label[i].as_str().expect("a string").to_owned();
    (text(0), text(1))
}

/// Sets when every draft was made, in the stored format, and loads the dashboard again.
async fn drafts_made_at(world: &World, at: chrono::DateTime<Utc>) {
    let db = crate::support::helpers::any_pool(&world.database_url).await;
    sqlx::query("UPDATE drafts SET created_at = $1")
        .bind(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .execute(&db)
        .await
        .expect("updated");
    world
        .browser
        .goto(&world.url("/"))
        .await
        .expect("dashboard");
    world.wait_for("article.draft time").await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs chromium and chromedriver: apt-get install -y chromium chromium-driver"
)]
async fn times_show_in_the_readers_zone_and_age_while_the_page_is_open() {
    let world = World::start().await;
    // The draft waits until the timer has been read twice.
    let gate = Arc::new(Semaphore::new(0));
    world.model.push([Reply::Gated(
        gate.clone(),
        Box::new(draft("Hi Bob, Tuesday works.")),
    )]);
    world
        .run("times", |world| async move {
            set_up_account(&world).await;
            paste(&world, "Bob", LINKEDIN).await;

            // The timer of the work in progress still counts up.
            let timer = "#work time[data-elapsed-since]";
            world.wait_for(timer).await;
            let read = format!("return document.querySelector('{timer}')?.textContent ?? null;");
            let first = world.js(&read).await;
            tokio::time::sleep(Duration::from_millis(2100)).await;
            let later = world.js(&read).await;
            for value in [&first, &later] {
                let text = value.as_str().expect("the timer is still there");
                assert!(text.ends_with(" s"), "{text}");
            }
            assert_ne!(first, later, "the timer did not tick");
            gate.add_permits(1);

            // A new draft: "just now", with the full local time in the title.
            world.wait_for_text("Hi Bob, Tuesday works.").await;
            // ICU may give the zone its older name.
            let zone = world
                .js("return Intl.DateTimeFormat().resolvedOptions().timeZone;")
                .await;
            let zone = zone.as_str().expect("a zone").to_owned();
            assert!(
                [BROWSER_TIME_ZONE, "Asia/Calcutta"].contains(&zone.as_str()),
                "the browser runs in {zone}"
            );
            let (text, title) = drafted(&world).await;
            assert_eq!(text, "just now");
            assert!(title.ends_with(&format!("({zone})")), "{title}");
            assert!(!world.page_text().await.contains("UTC"));

            // Long ago: the local date and time, 20:45 UTC being 02:15 the next day.
            let spring: chrono::DateTime<Utc> = "2025-03-09T20:45:00Z".parse().expect("a time");
            drafts_made_at(&world, spring).await;
            let this_year = Utc::now()
                .with_timezone(&browser_zone())
                .format("%Y")
                .to_string();
            let expected = if this_year == "2025" {
                "10 Mar, 02:15"
            } else {
                "10 Mar 2025, 02:15"
            };
            assert_eq!(
                drafted(&world).await,
                (expected.to_owned(), format!("10 Mar 2025, 02:15 ({zone})"))
            );

            // A day ago is yesterday, at the local time of day.
            let day_ago = Utc::now() - chrono::Duration::hours(24);
            drafts_made_at(&world, day_ago).await;
            let clock = day_ago.with_timezone(&browser_zone()).format("%H:%M");
            assert_eq!(drafted(&world).await.0, format!("yesterday {clock}"));

            // Fifty seconds ago is "just now", and becomes "1 min ago" with no reload.
            drafts_made_at(&world, Utc::now() - chrono::Duration::seconds(50)).await;
            assert_eq!(drafted(&world).await.0, "just now");
            world.js("window.notReloaded = true; return null;").await;
            world.wait_for_text("1 min ago").await;
            assert_eq!(
                world.js("return window.notReloaded === true;").await,
                json!(true)
            );

            // The thread page too, its run started a moment ago.
            let db = crate::support::helpers::any_pool(&world.database_url).await;
            sqlx::query("UPDATE agent_runs SET started_at = $1")
                .bind(
                    (Utc::now() - chrono::Duration::seconds(5))
                        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                        .to_string(),
                )
                .execute(&db)
                .await
                .expect("updated");
            world
                .browser
                .goto(&world.url("/threads/1"))
                .await
                .expect("thread page");
            world.wait_for_text("Agent runs").await;
            let run_started = world
                .js("return document.querySelector('#runs time').textContent;")
                .await;
            assert_eq!(run_started, json!("just now"));
            assert!(!world.page_text().await.contains("UTC"));
        })
        .await;
}
