//! Steps that many journeys take: setting up the account, pasting a thread, filling and
//! clicking.

use crate::harness::World;

pub const PASSWORD: &str = "a good long password";
pub const LINKEDIN: &str = "Today\nBob Baker  9:02 AM\nHi Anna, are you open to a chat about the CTO role?\nAnna Schmidt  9:15 AM\nHi Bob, tell me more.\nBob Baker  9:20 AM\nSeries A fintech in Berlin. Free on Tuesday?\n";

pub async fn fill(world: &World, css: &str, text: &str) {
    let field = world.wait_for(css).await;
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

pub async fn click(world: &World, css: &str) {
    world.wait_for(css).await.click().await.expect("clicked");
}

/// First-run setup through the link in the server's log.
pub async fn set_up_account(world: &World) {
    world
        .browser
        .goto(&world.setup_link)
        .await
        .expect("setup page");
    fill(world, "#name", "anna").await;
    fill(world, "#display_name", "Anna Schmidt").await;
    fill(world, "#password", PASSWORD).await;
    fill(world, "#password_again", PASSWORD).await;
    click(world, "form[action='/setup'] button[type=submit]").await;
    world.wait_for_text("Welcome, Anna Schmidt").await;
}

pub async fn paste(world: &World, thread: &str, text: &str) {
    world
        .browser
        .goto(&world.url("/threads/new"))
        .await
        .expect("new thread page");
    fill(world, "#thread_name", thread).await;
    fill(world, "#conversation", text).await;
    click(world, "button[value=submit]").await;
    world.wait_for_text("Drafts waiting for review").await;
}

/// An API token made on the settings page.
pub async fn create_token(world: &World) -> String {
    world
        .browser
        .goto(&world.url("/settings"))
        .await
        .expect("settings");
    fill(world, "#label", "e2e").await;
    click(world, "form[action='/settings/tokens'] button").await;
    let secret = world.wait_for(".token-secret").await;
    secret.text().await.expect("text").trim().to_owned()
}
