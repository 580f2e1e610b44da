//! The token decides the account: an old client's own `user_id` becomes an alias of the
//! token's account, listed in settings and removable; another account's id stays 403.

use serde_json::json;

use crate::helpers::{error_body, json_body, message, spawn_app};
use crate::pages::{assert_see_other, csrf, signed_in};

const PLUGIN_ID: &str = "3f2b9c4e-7a1d-4e8b-9c2f-5d6e7f8a9b0c";

fn send_as(user_id: &str, thread: &str, id: &str) -> serde_json::Value {
    json!({"user_id": user_id, "thread_name": thread, "messages": [message(id, thread, "Hi there")]})
}

#[tokio::test]
async fn an_unknown_user_id_becomes_an_alias_of_the_tokens_account() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .header("origin", "chrome-extension://abcdefghijklmnop")
        .json(&send_as(PLUGIN_ID, "Dana", "a1"))
        .send()
        .await
        .expect("sent");
    let sent = json_body(response, 202).await;
    assert_eq!(sent["new_messages"], 1);
    // Stored under the token's account, and every endpoint accepts the alias from now on.
    let owner: String = sqlx::query_scalar(
        "SELECT u.name FROM threads t JOIN users u ON u.id = t.user_id WHERE t.name = 'Dana'",
    )
    .fetch_one(&app.sql)
    .await
    .expect("the thread");
    assert_eq!(owner, app.user);
    let draft = app.insert_draft(&app.user, "Dana", "Hello Dana").await;
    let listed = json_body(
        app.get(&format!("/draft-messages/?user_id={PLUGIN_ID}"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["draft_messages"][0]["draft_message_id"], draft);
    let fed_back = app
        .post(
            "/process-feedback/",
            &json!({"user_id": PLUGIN_ID, "draft_message_id": draft, "feedback": "shorter"}),
        )
        .await;
    json_body(fed_back, 202).await;
    let row: (String, String, i64) =
        sqlx::query_as("SELECT a.alias, a.first_seen_from, a.user_id FROM user_aliases a")
            .fetch_one(&app.sql)
            .await
            .expect("one alias");
    assert_eq!(row.0, PLUGIN_ID);
    assert_eq!(row.1, "chrome-extension://abcdefghijklmnop");
}

#[tokio::test]
async fn another_accounts_name_or_alias_stays_forbidden() {
    let app = spawn_app().await;
    let bob_token = app.add_user("bob").await;
    // Bob's plugin is known first: its id is Bob's alias.
    json_body(
        app.post_as(
            &bob_token,
            "/send-messages/",
            &send_as(PLUGIN_ID, "Eve", "b1"),
        )
        .await,
        202,
    )
    .await;
    for user_id in ["bob", PLUGIN_ID] {
        let error = error_body(
            app.post("/send-messages/", &send_as(user_id, "Fay", "c1"))
                .await,
            403,
        )
        .await;
        assert_eq!(error["code"], "forbidden", "{user_id}");
        error_body(
            app.get(&format!("/draft-messages/?user_id={user_id}"))
                .await,
            403,
        )
        .await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM threads WHERE name = 'Fay'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM user_aliases").await, 1);
}

#[tokio::test]
async fn concurrent_first_requests_learn_the_alias_once() {
    let app = spawn_app().await;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..8 {
        let request = app
            .client
            .post(app.url("/send-messages/"))
            .bearer_auth(&app.token)
            .json(&send_as(PLUGIN_ID, &format!("T{i}"), &format!("m{i}")));
        sends.spawn(async move { request.send().await.expect("sent").status().as_u16() });
    }
    let statuses = sends.join_all().await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(app.count("SELECT count(*) FROM user_aliases").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 8);
}

#[tokio::test]
async fn settings_list_the_alias_and_removing_it_refuses_it() {
    let app = spawn_app().await;
    let anna = app.user.clone();
    let response = app
        .client
        .post(app.url("/send-messages/"))
        .bearer_auth(&app.token)
        .header("user-agent", "OldPlugin/1.2")
        .json(&send_as(PLUGIN_ID, "Dana", "a1"))
        .send()
        .await
        .expect("sent");
    json_body(response, 202).await;

    let browser = signed_in(&app, &anna).await;
    let page = browser.page("/settings").await;
    assert!(page.contains(PLUGIN_ID), "the alias is listed");
    assert!(
        page.contains("OldPlugin/1.2"),
        "with where it was first seen"
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM user_aliases")
        .fetch_one(&app.sql)
        .await
        .expect("the alias");
    let removed = browser
        .post(
            &format!("/settings/aliases/{id}/remove"),
            &[("csrf", &csrf(&page))],
        )
        .await;
    assert_see_other(&removed, "/settings#aliases-heading");

    let error = error_body(
        app.post("/send-messages/", &send_as(PLUGIN_ID, "Dana", "a2"))
            .await,
        403,
    )
    .await;
    assert!(
        error["message"].as_str().unwrap_or("").contains("removed"),
        "{error}"
    );
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 1);
    let page = browser.page("/settings").await;
    assert!(page.contains("Restore"), "a removed alias can be restored");

    // Another account's page does not offer it.
    let bob = signed_in(&app, "bob").await;
    let bob_page = bob.page("/settings").await;
    assert!(!bob_page.contains(PLUGIN_ID));
    let foreign = bob
        .post(
            &format!("/settings/aliases/{id}/restore"),
            &[("csrf", &csrf(&bob_page))],
        )
        .await;
    assert_eq!(foreign.status(), 404);

    let restored = browser
        .post(
            &format!("/settings/aliases/{id}/restore"),
            &[("csrf", &csrf(&page))],
        )
        .await;
    assert_see_other(&restored, "/settings#aliases-heading");
    json_body(
        app.post("/send-messages/", &send_as(PLUGIN_ID, "Dana", "a3"))
            .await,
        202,
    )
    .await;
}
