//! Upgrading a database that holds data: built at migration 0004 (messages unique per
//! user), then opened by the app, which applies 0005 (messages unique per thread).

use std::path::Path;

use serde_json::json;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::helpers::{database_url, json_body, message, spawn_app_in};

/// Every column of every message, in id order.
type MessageRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    bool,
    String,
);

async fn messages(pool: &SqlitePool) -> Vec<MessageRow> {
    sqlx::query_as(
        "SELECT id, user_id, thread_id, message_id, sender_name, raw_date, raw_time, sent_at, \
                sort_key, content, is_mine, received_at FROM messages ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .expect("messages")
}

async fn drafts(pool: &SqlitePool) -> Vec<(i64, String, String, Option<i64>)> {
    sqlx::query_as("SELECT id, draft_message_id, status, answers_message FROM drafts ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("drafts")
}

async fn fts_rowids(pool: &SqlitePool, query: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT rowid FROM messages_fts WHERE messages_fts MATCH $1 ORDER BY rowid")
        .bind(query)
        .fetch_all(pool)
        .await
        .expect("a full-text search")
}

/// A database at migration 0004 with two users, threads, messages (one removed, so the
/// ids have a gap), drafts that answer messages, a run and a job.
async fn database_at_0004(url: &str) -> (Vec<MessageRow>, Vec<(i64, String, String, Option<i64>)>) {
    let options: SqliteConnectOptions = url.parse().expect("a SQLite URL");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.create_if_missing(true).foreign_keys(true))
        .await
        .expect("a new database");
    let mut migrator =
        Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"))
            .await
            .expect("the migrations");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= 4)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    assert_eq!(migrator.migrations.len(), 4);
    migrator.run(&pool).await.expect("migrations 0001-0004");

    sqlx::raw_sql(
        "INSERT INTO users (id, name, display_name, my_names) VALUES \
           (1, 'anna', 'Anna', '[\"anna\"]'), (2, 'ben', 'Ben', '[\"ben\"]'); \
         INSERT INTO threads (id, user_id, name) VALUES (1, 1, 'Bob'), (2, 1, 'Carla'), (3, 2, 'Dora'); \
         INSERT INTO messages (id, user_id, thread_id, message_id, sender_name, raw_date, raw_time, \
                               sent_at, sort_key, content, is_mine, received_at) VALUES \
           (1, 1, 1, 'm1', 'Bob', '2026-11-20', '09:00', '2026-11-20T09:00:00', \
            '2026-11-20T09:00:00', 'Is the invoice paid?', 0, '2026-11-20T09:01:00.000Z'), \
           (2, 1, 1, 'm2', 'anna', 'Unknown', '', NULL, \
            '2026-11-20T09:00:00', 'Paid on Monday, the invoice is settled.', 1, '2026-11-20T09:01:00.000Z'), \
           (3, 1, 1, 'm3', 'Bob', '2026-11-21', '8:48 PM', '2026-11-21T20:48:00', \
            '2026-11-21T20:48:00', 'Great, and the contract?', 0, '2026-11-21T20:50:00.000Z'), \
           (4, 1, 2, 'gone', 'Carla', '', '', NULL, \
            '2026-11-22T10:00:00', 'removed from the thread', 0, '2026-11-22T10:00:00.000Z'), \
           (5, 1, 2, 'c1', 'Carla', '2026-11-22', '10:00', '2026-11-22T10:00:00', \
            '2026-11-22T10:00:00', 'Lunch on Friday?', 0, '2026-11-22T10:00:00.000Z'), \
           (6, 2, 3, 'm1', 'Dora', '2026-11-22', '11:00', '2026-11-22T11:00:00', \
            '2026-11-22T11:00:00', 'Another user''s invoice question', 0, '2026-11-22T11:00:00.000Z'); \
         DELETE FROM messages WHERE id = 4; \
         INSERT INTO jobs (id, kind, user_id, thread_id, state) VALUES (1, 'draft', 1, 1, 'done'); \
         INSERT INTO agent_runs (id, thread_id, job_id, trigger, model, snapshot_message, outcome) \
           VALUES (1, 1, 1, 'new_messages', 'offline', 3, 'drafted'); \
         INSERT INTO drafts (id, draft_message_id, user_id, thread_id, content, status, \
                             agent_run_id, answers_message) VALUES \
           (1, 'draft-old', 1, 1, 'An older answer', 'superseded', NULL, 1), \
           (2, 'draft-pending', 1, 1, 'The contract is on its way.', 'pending', 1, 3), \
           (3, 'draft-carla', 1, 2, 'Friday works.', 'pending', NULL, 5); \
         UPDATE drafts SET status = 'approved', final_content = 'Friday works!' WHERE id = 3;",
    )
    .execute(&pool)
    .await
    .expect("data at 0004");
    let before = (messages(&pool).await, drafts(&pool).await);
    pool.close().await;
    before
}

#[tokio::test]
async fn upgrading_keeps_every_message_id_draft_link_and_the_search_index() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (messages_before, drafts_before) = database_at_0004(&database_url(&dir)).await;
    assert_eq!(messages_before.len(), 5);
    assert_eq!(
        drafts_before.iter().map(|d| d.3).collect::<Vec<_>>(),
        [Some(1), Some(3), Some(5)]
    );

    let mut app = spawn_app_in(dir, |_| {}).await;
    let draftdesk::db::Db::Sqlite { read: pool, .. } = app.db.clone() else {
        unreachable!("the migration tests run on SQLite")
    };
    let version: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("migrations recorded");
    assert!(version >= 5, "migrated to {version}");

    assert_eq!(messages(&pool).await, messages_before);
    assert_eq!(drafts(&pool).await, drafts_before);
    assert_eq!(
        app.count("SELECT count(*) FROM pragma_foreign_key_check")
            .await,
        0
    );
    let snapshot: Option<i64> =
        sqlx::query_scalar("SELECT snapshot_message FROM agent_runs WHERE id = 1")
            .fetch_one(&pool)
            .await
            .expect("the run");
    assert_eq!(snapshot, Some(3));

    // The full-text index still finds the old messages by their ids, and nothing removed.
    assert_eq!(fts_rowids(&pool, "invoice").await, [1, 2, 6]);
    assert_eq!(fts_rowids(&pool, "removed").await, Vec::<i64>::new());
    sqlx::query("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
        .execute(&app.sql)
        .await
        .expect("the index matches the messages");
    let query = draftdesk::db::search::fts_query("invoice").expect("a query");
    let found = draftdesk::db::search::exchanges(
        app.db.read(),
        draftdesk::db::UserId::new(1),
        draftdesk::db::ThreadId::new(2),
        &query,
        5,
        None,
    )
    .await
    .expect("the agent's search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message, "Is the invoice paid?");
    assert_eq!(
        found[0].reply.as_deref(),
        Some("Paid on Monday, the invoice is settled.")
    );

    // The upgraded database behaves like a new one: `m1` is now Carla's too, a resend to
    // Bob stores nothing, and new messages come after the old ones and are searchable.
    let user = draftdesk::db::users::find_by_name(app.db.read(), "anna")
        .await
        .expect("query")
        .expect("anna");
    let token = draftdesk::auth::generate_token();
    draftdesk::db::tokens::insert(app.db.write(), user.id, "test", &token.hash, &token.prefix)
        .await
        .expect("a token");
    app.user = "anna".to_owned();
    app.token = token.secret;

    let resend = json_body(
        app.send_messages("Bob", json!([message("m1", "Bob", "Is the invoice paid?")]))
            .await,
        202,
    )
    .await;
    assert_eq!(resend["new_messages"], 0);
    assert_eq!(resend["thread_id"], 1);
    let carla = json_body(
        app.send_messages(
            "Carla",
            json!([message("m1", "Carla", "Has my invoice arrived?")]),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(carla["new_messages"], 1, "{carla}");
    assert_eq!(carla["thread_id"], 2);
    let new_id: i64 =
        sqlx::query_scalar("SELECT id FROM messages WHERE thread_id = 2 AND message_id = 'm1'")
            .fetch_one(&pool)
            .await
            .expect("stored in Carla's thread");
    assert!(new_id > 6, "new id {new_id}");
    assert_eq!(fts_rowids(&pool, "invoice").await, [1, 2, 6, new_id]);
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 6);
}
