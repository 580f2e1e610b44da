//! Opening the database at start, on either backend.

use draftdesk::db::{Db, PoolSettings};

use crate::database::TestDatabase;
use crate::helpers::any_pool;

/// An instance of an older draftdesk started on a database that a newer one migrated (a
/// rolling upgrade gone backwards) refuses to run, saying why, and changes nothing.
#[tokio::test]
async fn a_database_migrated_by_a_newer_draftdesk_is_refused_plainly() {
    let database = TestDatabase::create().await;
    Db::open(&database.url, PoolSettings::default())
        .await
        .expect("the first start migrates")
        .close()
        .await;
    let sql = any_pool(&database.url).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer draftdesk', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(&sql)
    .await
    .expect("a newer migration recorded");
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&sql)
        .await
        .expect("migrations");

    let error = Db::open(&database.url, PoolSettings::default())
        .await
        .expect_err("the older draftdesk refuses the newer database");
    assert_eq!(
        error.to_string(),
        "the database has migration 99990101000000, which this draftdesk does not know: it \
         was written by a newer version. Run that version, or restore a backup made before it"
    );
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&sql)
        .await
        .expect("migrations");
    assert_eq!(after, before);
}
