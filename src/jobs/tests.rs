//! The queue's own rules, checked against a real SQLite file.

use std::time::Duration;

use super::*;
use crate::db;
use crate::inbox::{self, IncomingMessage};

async fn queue_with_lease(lease: Duration) -> (JobQueue, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let db = Db::open(&url, db::PoolSettings::default())
        .await
        .expect("the database opens");
    let agent = Agent::new(None, db.clone(), 8, Duration::from_secs(300));
    let settings = JobSettings {
        lease,
        ..JobSettings::default()
    };
    (JobQueue::new(db, agent, settings), dir)
}

async fn queue_one_job(queue: &JobQueue) {
    let db = queue.db();
    let user = db::users::create(db.write(), "anna", "Anna", None)
        .await
        .expect("a user");
    let message = IncomingMessage {
        sender_name: "Bob".to_owned(),
        content: "Are you around?".to_owned(),
        ..IncomingMessage::default()
    };
    inbox::accept(queue, &user, "Bob", vec![message])
        .await
        .expect("the message is stored");
}

async fn locked_until(queue: &JobQueue, id: crate::db::JobId) -> String {
    db::on!(queue.db().read(), |c| sqlx::query_scalar(
        "SELECT locked_until FROM jobs WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await)
    .expect("the job")
}

/// The writer is one connection shared by everything. A job that holds it (inside its
/// store transaction) across a heartbeat tick must still finish at once, and its lease
/// must still be renewed: the heartbeat may wait for the writer, the job must not wait
/// for the heartbeat.
#[tokio::test]
async fn a_job_holding_the_writer_across_heartbeat_ticks_finishes_and_keeps_its_lease() {
    let lease = Duration::from_millis(300);
    let (queue, _dir) = queue_with_lease(lease).await;
    queue_one_job(&queue).await;
    let claimed = queue.claim().await.expect("claim").expect("a queued job");
    let first_lease = locked_until(&queue, claimed.job.id).await;

    let work = async {
        let mut tx = queue.db().begin().await.expect("the writer");
        // Several heartbeat ticks pass while this transaction holds the writer.
        tokio::time::sleep(lease * 2).await;
        db::on!(tx.exec(), |c| sqlx::query(
            "UPDATE threads SET updated_at = updated_at"
        )
        .execute(c)
        .await
        .map(|_| ()))
        .expect("a write");
        tx.commit().await.expect("commit");
        // The rest of the job (a model call, say) runs without the writer.
        tokio::time::sleep(lease).await;
    };
    // A stalled heartbeat would hold the job until the pool's 30 s acquire timeout.
    tokio::time::timeout(
        Duration::from_secs(10),
        queue.with_lease(&claimed.job, work),
    )
    .await
    .expect("the job finished without waiting for the writer's timeout");
    let renewed = locked_until(&queue, claimed.job.id).await;
    assert!(
        renewed > first_lease,
        "lease {first_lease} was not renewed ({renewed})"
    );
}
