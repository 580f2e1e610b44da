//! The `jobs` table: durable background work.

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};

use super::{Backend, Db, Exec, LockKey, Tx, on, on_tx};

use super::{DraftId, JobId, ThreadId, Timestamp, UserId};

/// How many times a job is tried before it is marked failed.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 5;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Decide whether the thread needs a reply and draft one.
    Draft,
    /// Revise a draft from the reviewer's feedback.
    Revise,
}

super::stored_as_text!(JobKind { Draft => "draft", Revise => "revise" });

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

super::stored_as_text!(JobState { Queued => "queued", Running => "running", Done => "done", Failed => "failed" });

/// A stored job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub user_id: UserId,
    pub thread_id: ThreadId,
    pub thread_name: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// The thread's queued draft job, if it has one (a thread has at most one: new messages
/// join it), marked as touched now.
pub async fn join_queued_draft(
    exec: Exec<'_>,
    thread_id: ThreadId,
    now: Timestamp,
) -> Result<Option<JobId>, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "UPDATE jobs SET updated_at = $1 \
         WHERE thread_id = $2 AND kind = 'draft' AND state = 'queued' RETURNING id",
    )
    .bind(now)
    .bind(thread_id)
    .fetch_optional(c)
    .await)
}

/// Whether the thread has a queued draft job.
pub async fn has_queued_draft(exec: Exec<'_>, thread_id: ThreadId) -> Result<bool, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs \
                        WHERE thread_id = $1 AND kind = 'draft' AND state = 'queued')",
    )
    .bind(thread_id)
    .fetch_one(c)
    .await)
}

/// The queued revise job of a draft (at most one), with its payload.
pub async fn queued_revise(
    exec: Exec<'_>,
    draft_id: DraftId,
) -> Result<Option<(JobId, String)>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT id, payload FROM jobs WHERE draft_id = $1 AND kind = 'revise' AND state = 'queued'",
    )
    .bind(draft_id)
    .fetch_optional(c)
    .await)
}

/// Replaces a queued job's payload (newer feedback joining a queued revision).
pub async fn set_payload(
    exec: Exec<'_>,
    id: JobId,
    payload: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE jobs SET payload = $1, updated_at = $2 WHERE id = $3 AND state = 'queued'"
    )
    .bind(payload)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// Queues a job, due at `run_at`; a revise job names the draft it revises. The workers of
/// every instance hear of a job due now when the transaction commits ([`announce`]).
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    kind: JobKind,
    user_id: UserId,
    thread_id: ThreadId,
    draft_id: Option<DraftId>,
    payload: &str,
    now: Timestamp,
    run_at: Timestamp,
) -> Result<JobId, sqlx::Error> {
    let id = on!(tx.exec(), |c| sqlx::query_scalar(
        "INSERT INTO jobs (kind, user_id, thread_id, draft_id, payload, max_attempts, run_at, \
                           created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(kind)
    .bind(user_id)
    .bind(thread_id)
    .bind(draft_id)
    .bind(payload)
    .bind(DEFAULT_MAX_ATTEMPTS)
    .bind(run_at)
    .bind(now)
    .fetch_one(c)
    .await)?;
    if run_at <= now {
        announce(tx.exec()).await?;
    }
    Ok(id)
}

/// A draft job queued to keep a send's place while the send is stored in several
/// commits (`JobQueue::reserve_draft`): due at `due`, until the send says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Reservation {
    pub job: JobId,
    pub due: Timestamp,
}

impl Reservation {
    /// Moves the reservation's due time to `due`, if it is still queued and untouched (a
    /// slow send keeps its place for another while). Returns whether it is.
    pub async fn hold(&mut self, tx: &mut Tx, due: Timestamp) -> Result<bool, sqlx::Error> {
        let held = self.move_to(tx, due).await?;
        if held {
            self.due = due;
        }
        Ok(held)
    }

    /// Makes the reservation due at `now`, if it is still queued and untouched, and
    /// announces it; a job in retry backoff that the send joined is left alone.
    pub async fn release(self, tx: &mut Tx, now: Timestamp) -> Result<(), sqlx::Error> {
        if self.move_to(tx, now).await? {
            announce(tx.exec()).await?;
        }
        Ok(())
    }

    /// Takes the reservation back when the send stored nothing new after all (another
    /// request stored the same messages first): deleted if no other send joined it,
    /// else made due for them.
    pub async fn cancel(self, tx: &mut Tx, now: Timestamp) -> Result<(), sqlx::Error> {
        let deleted = on!(tx.exec(), |c| sqlx::query(
            "DELETE FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0 \
             AND run_at = $2 AND updated_at = created_at",
        )
        .bind(self.job)
        .bind(self.due)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            self.release(tx, now).await?;
        }
        Ok(())
    }

    async fn move_to(&self, tx: &mut Tx, run_at: Timestamp) -> Result<bool, sqlx::Error> {
        let moved = on!(tx.exec(), |c| sqlx::query(
            "UPDATE jobs SET run_at = $1 \
             WHERE id = $2 AND state = 'queued' AND attempts = 0 AND run_at = $3",
        )
        .bind(run_at)
        .bind(self.job)
        .bind(self.due)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(moved > 0)
    }
}

/// The PostgreSQL channel on which queued jobs are announced to every instance.
const QUEUED_CHANNEL: &str = "draftdesk_jobs";

/// Tells the workers of every instance on the database that a job was queued: on
/// PostgreSQL a `NOTIFY`, delivered when the transaction commits (at once outside one),
/// which [`QueuedListener`] hears. Nothing on SQLite, whose one process wakes its own
/// workers (`JobQueue::wake`, which the callers also do on PostgreSQL).
///
/// Only for jobs due now: a job queued for later is found by the workers' poll.
pub async fn announce(exec: Exec<'_>) -> Result<(), sqlx::Error> {
    if exec.backend() == Backend::Sqlite {
        return Ok(());
    }
    on!(exec, |c| sqlx::query("SELECT pg_notify($1, '')")
        .bind(QUEUED_CHANNEL)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// Hears the jobs announced by any instance on a PostgreSQL database (`LISTEN`), on a
/// connection of its own, outside the pool that serves requests.
#[derive(Debug)]
pub struct QueuedListener {
    /// One connection, made again whenever it is lost.
    pool: PgPool,
    listener: Option<PgListener>,
}

impl QueuedListener {
    /// `None` on SQLite: one process owns the database file and wakes its own workers.
    pub fn new(db: &Db) -> Option<Self> {
        let Db::Postgres(pool) = db else {
            return None;
        };
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .connect_lazy_with((*pool.connect_options()).clone());
        Some(Self {
            pool,
            listener: None,
        })
    }

    /// Returns when the workers should look for jobs: a job was announced, or the
    /// listener has just (re)connected and may have missed announcements meanwhile. An
    /// error means the connection could not be made or was lost; the next call tries
    /// again.
    pub async fn next(&mut self) -> Result<(), sqlx::Error> {
        let Some(listener) = &mut self.listener else {
            let mut listener = PgListener::connect_with(&self.pool).await?;
            listener.listen(QUEUED_CHANNEL).await?;
            self.listener = Some(listener);
            return Ok(());
        };
        // `None`: the connection was lost and made again (notifications sent in between
        // were not heard).
        match listener.try_recv().await {
            Ok(_) => Ok(()),
            Err(error) => {
                self.listener = None;
                Err(error)
            }
        }
    }
}

/// A job of the given user; another user's job is not found.
pub async fn find_for_user(
    exec: Exec<'_>,
    user_id: UserId,
    job_id: JobId,
) -> Result<Option<Job>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(
        "SELECT j.id, j.kind, j.user_id, j.thread_id, t.name AS thread_name, j.payload, j.state, \
                j.attempts, j.max_attempts, j.run_at, j.last_error, j.created_at, j.updated_at, \
                j.finished_at \
         FROM jobs j JOIN threads t ON t.id = j.thread_id \
         WHERE j.id = $1 AND j.user_id = $2",
    )
    .bind(job_id)
    .bind(user_id)
    .fetch_optional(c)
    .await)
}

/// What a job's newest agent run came to (`drafted`, `no_reply`, `stale`, `failed`, or
/// `None` while it runs or when the job never ran), and the draft that run wrote.
pub async fn last_run_result(
    exec: Exec<'_>,
    job_id: JobId,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> = on!(exec, |c| sqlx::query_as(
        "SELECT r.outcome, d.draft_message_id \
         FROM agent_runs r LEFT JOIN drafts d ON d.agent_run_id = r.id \
         WHERE r.job_id = $1 ORDER BY r.id DESC LIMIT 1",
    )
    .bind(job_id)
    .fetch_optional(c)
    .await)?;
    Ok(row.unwrap_or_default())
}

const JOB_COLUMNS: &str = "j.id, j.kind, j.user_id, j.thread_id, t.name AS thread_name, \
    j.payload, j.state, j.attempts, j.max_attempts, j.run_at, j.last_error, j.created_at, \
    j.updated_at, j.finished_at";

/// Which jobs a claim may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimable {
    /// The oldest queued job whose time has come.
    Queued,
    /// A running job whose lease expired: its worker died.
    Abandoned,
}

/// Claims the next job of the given sort atomically, leasing it until `lease_until`.
/// A thread's jobs run one at a time.
///
/// Queued jobs are taken round the users: the user whose jobs were claimed least
/// recently (`users.jobs_served`) goes first, and within a user the oldest due job. The
/// users are visited in that order and each is asked for its oldest due job through an
/// index, so a claim costs a few index look-ups per user however long the queue is.
/// Abandoned jobs are rare and taken oldest first. The two sorts are separate statements:
/// as one `OR` query SQLite collects and sorts every queued job on each claim.
pub async fn claim(
    tx: &mut Tx,
    which: Claimable,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Option<Job>, sqlx::Error> {
    // Claims by several instances take turns (a claim is a few index look-ups), so two
    // jobs of one thread cannot both pass the idle check; the row locks of the picked
    // job are skipped by anything else that waits on it.
    tx.lock(LockKey::Claim, 0).await?;
    const SKIP_LOCKED: &str = " FOR UPDATE OF j SKIP LOCKED";
    let skip_locked = match tx.backend() {
        Backend::Sqlite => "",
        Backend::Postgres => SKIP_LOCKED,
    };
    const THREAD_IDLE: &str = "NOT EXISTS ( \
        SELECT 1 FROM jobs r \
        WHERE r.thread_id = j.thread_id AND r.id <> j.id AND r.state = 'running' \
          AND r.locked_until >= $1)";
    let next = match which {
        Claimable::Queued => format!(
            "SELECT next FROM ( \
               SELECT (SELECT j.id FROM jobs j \
                       WHERE j.user_id = u.id AND j.state = 'queued' AND j.run_at <= $1 \
                         AND {THREAD_IDLE} \
                       ORDER BY j.run_at, j.id LIMIT 1{skip_locked}) AS next \
               FROM users u ORDER BY u.jobs_served, u.id) AS candidates \
             WHERE next IS NOT NULL LIMIT 1"
        ),
        Claimable::Abandoned => format!(
            "SELECT j.id FROM jobs j \
             WHERE j.state = 'running' AND j.locked_until < $1 AND {THREAD_IDLE} \
             ORDER BY j.run_at, j.id LIMIT 1{skip_locked}"
        ),
    };
    // The thread's name is not needed by the worker (it loads the thread itself).
    let claim = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, \
                updated_at = $1 \
         WHERE id = ({next}) \
         RETURNING id, kind, user_id, thread_id, '' AS thread_name, payload, state, \
                   attempts, max_attempts, run_at, last_error, created_at, updated_at, \
                   finished_at"
    );
    on_tx!(tx, |c| {
        let job: Option<Job> = sqlx::query_as(&claim)
            .bind(now)
            .bind(lease_until)
            .fetch_optional(&mut *c)
            .await?;
        if let Some(job) = &job {
            sqlx::query(
                "UPDATE users SET jobs_served = (SELECT max(jobs_served) FROM users) + 1 \
                 WHERE id = $1",
            )
            .bind(job.user_id)
            .execute(&mut *c)
            .await?;
        }
        Ok(job)
    })
}

/// How many jobs of the user wait in the queue.
pub async fn count_queued(exec: Exec<'_>, user_id: UserId) -> Result<i64, sqlx::Error> {
    on!(exec, |c| sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE user_id = $1 AND state = 'queued'"
    )
    .bind(user_id)
    .fetch_one(c)
    .await)
}

/// A job by id.
pub async fn find(exec: Exec<'_>, id: JobId) -> Result<Option<Job>, sqlx::Error> {
    on!(exec, |c| sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs j JOIN threads t ON t.id = j.thread_id WHERE j.id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// Extends a running job's lease. `attempt` is the claim's attempt number: a job whose
/// lease expired and was claimed again has a higher one, so a worker that lost its lease
/// can never extend (or finish) the new owner's claim. Returns whether the job was still
/// this claim's.
pub async fn heartbeat(
    exec: Exec<'_>,
    id: JobId,
    attempt: i64,
    lease_until: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| {
        sqlx::query(
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND attempts = $3 AND state = 'running'",
    )
    .bind(lease_until)
    .bind(id)
    .bind(attempt)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(result == 1)
}

/// Marks a job done if it is still this claim's (see [`heartbeat`]); returns whether it was.
pub async fn complete(
    exec: Exec<'_>,
    id: JobId,
    attempt: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let result = on!(exec, |c| sqlx::query(
        "UPDATE jobs SET state = 'done', last_error = NULL, locked_until = NULL, \
                updated_at = $1, finished_at = $1 \
         WHERE id = $2 AND attempts = $3 AND state = 'running'",
    )
    .bind(now)
    .bind(id)
    .bind(attempt)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Marks a job failed for good, keeping the error, if it is still this claim's.
pub async fn fail(
    exec: Exec<'_>,
    id: JobId,
    attempt: i64,
    error: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on!(exec, |c| sqlx::query(
        "UPDATE jobs SET state = 'failed', last_error = $1, locked_until = NULL, updated_at = $2, \
                finished_at = $2 \
         WHERE id = $3 AND attempts = $4 AND state = 'running'",
    )
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(attempt)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))
    .map(|_| ())
}

/// Puts a job back in the queue to be tried again at `run_at`, keeping the error, if it
/// is still this claim's.
///
/// A draft job may meanwhile have a queued follow-up for its thread (new messages came
/// while it ran). That follow-up drafts the newer state anyway, so this job is folded
/// into it: marked done with a note, rather than queued twice.
pub async fn retry_later(
    db: &Db,
    id: JobId,
    attempt: i64,
    run_at: Timestamp,
    error: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    // Locked on PostgreSQL, so no claim or follow-up can slip between the reads and the
    // update.
    let select = match tx.backend() {
        Backend::Sqlite => {
            "SELECT id FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running'"
        }
        Backend::Postgres => {
            "SELECT id FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running' FOR UPDATE"
        }
    };
    let ours: Option<JobId> = on!(tx.exec(), |c| sqlx::query_scalar(select)
        .bind(id)
        .bind(attempt)
        .fetch_optional(c)
        .await)?;
    if ours.is_none() {
        return tx.rollback().await;
    }
    let follow_up: Option<JobId> = on!(tx.exec(), |c| sqlx::query_scalar(
        "SELECT f.id FROM jobs f JOIN jobs j ON j.id = $1 \
         WHERE j.kind = 'draft' AND f.kind = 'draft' AND f.thread_id = j.thread_id \
           AND f.state = 'queued' AND f.id <> j.id",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    match follow_up {
        Some(follow_up) => {
            let note = format!("{error} (to be retried as job {follow_up})");
            on!(tx.exec(), |c| sqlx::query(
                "UPDATE jobs SET state = 'done', last_error = $1, locked_until = NULL, \
                        updated_at = $2, finished_at = $2 WHERE id = $3",
            )
            .bind(note)
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()))?;
        }
        None => {
            on!(tx.exec(), |c| sqlx::query(
                "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, \
                        locked_until = NULL, updated_at = $3 WHERE id = $4",
            )
            .bind(run_at)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()))?;
        }
    }
    tx.commit().await
}

/// Gives back a job whose worker was stopped before it finished: queued again, this
/// attempt not counted, and announced to the workers of the other instances.
pub async fn release(db: &Db, id: JobId, now: Timestamp) -> Result<(), sqlx::Error> {
    let requeue = match db.backend() {
        Backend::Sqlite => {
            "UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), \
                    locked_until = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'running'"
        }
        Backend::Postgres => {
            "UPDATE jobs SET state = 'queued', attempts = GREATEST(attempts - 1, 0), \
                    locked_until = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'running'"
        }
    };
    let result = on!(db.write(), |c| sqlx::query(requeue)
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|done| done.rows_affected()));
    match result {
        // Queued again: another instance's workers may take it at once.
        Ok(1) => announce(db.write()).await,
        // A queued follow-up already stands for this thread: it drafts the same or a
        // newer state, so this one has nothing left to do.
        Err(error) if super::is_unique_violation(&error) => on!(db.write(), |c| sqlx::query(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $1, \
                        finished_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))
        .map(|_| ()),
        other => other.map(|_| ()),
    }
}
