//! Queue mechanics: claiming a due job with its lease, keeping the lease while the job
//! runs, settling how it ended (done, retry with backoff, failed), and the workers.

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::{Claimed, JobError, JobQueue, draft, revise};
use crate::db::agent_runs::{self, Trigger};
use crate::db::jobs::{Claimable, Job, JobKind};
use crate::db::{self, Db, JobId, Timestamp};

impl JobQueue {
    /// Claims a due job and opens its agent run, in one transaction.
    pub(super) async fn claim(&self) -> Result<Option<Claimed>, sqlx::Error> {
        let now = Timestamp::now();
        let lease_until = lease_end(now, self.0.settings.lease);
        let mut tx = self.0.db.begin().await?;
        let mut job = None;
        if self.due_for_abandoned_check() {
            job = db::jobs::claim(&mut tx, Claimable::Abandoned, now, lease_until).await?;
        }
        if job.is_none() {
            job = db::jobs::claim(&mut tx, Claimable::Queued, now, lease_until).await?;
        }
        let Some(job) = job else {
            tx.rollback().await?;
            return Ok(None);
        };
        if job.attempts > 1 {
            // An earlier attempt may have died with its run unfinished.
            agent_runs::abandon_unfinished(tx.exec(), job.id, now).await?;
        }
        let trigger = match job.kind {
            JobKind::Draft => Trigger::NewMessages,
            JobKind::Revise => Trigger::Feedback,
        };
        // The notes are read with the run's start, so the run records what it is given.
        let notes = db::style_notes::in_force(tx.exec(), job.user_id, job.thread_id).await?;
        let note_ids: Vec<_> = notes.iter().map(|n| n.id).collect();
        let agent = &self.0.agent;
        let (run_id, snapshot) = agent_runs::start(
            tx.exec(),
            job.thread_id,
            job.id,
            trigger,
            agent.model_name(),
            agent.is_offline(),
            &note_ids,
            now,
        )
        .await?;
        tx.commit().await?;
        self.running().insert(job.id);
        Ok(Some(Claimed {
            job,
            run_id,
            snapshot,
            notes,
        }))
    }

    /// Whether to look for jobs whose worker died: at most once per poll interval, since
    /// it is rare and the queued-job claim is on every job's path.
    fn due_for_abandoned_check(&self) -> bool {
        let mut last = self
            .0
            .abandoned_checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|at| at.elapsed() >= self.0.settings.poll_interval);
        if due {
            *last = Some(Instant::now());
        }
        due
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<JobId>> {
        // The set holds plain ids, so a panic elsewhere cannot leave it inconsistent.
        self.0
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a claimed job, renewing its lease while it runs, and records how it ended.
    pub(super) async fn execute(&self, claimed: Claimed) {
        let job = &claimed.job;
        let span =
            tracing::info_span!("job", id = job.id.get(), kind = ?job.kind, attempt = job.attempts);
        self.execute_in_span(&claimed).instrument(span).await;
    }

    async fn execute_in_span(&self, claimed: &Claimed) {
        let job = &claimed.job;
        let work = async {
            match job.kind {
                JobKind::Draft => draft::run(self, claimed).await,
                JobKind::Revise => revise::run(self, claimed).await,
            }
        };
        let outcome = self.with_lease(job, work).await;
        if let Err(JobError::Retry { message, .. } | JobError::Fail(message)) = &outcome {
            let closed = agent_runs::fail_if_open(
                self.0.db.write(),
                claimed.run_id,
                message,
                Timestamp::now(),
            )
            .await;
            if let Err(error) = closed {
                tracing::error!(%error, "could not close the job's run");
            }
        }
        if let Err(error) = self.settle(job, outcome).await {
            // The job stays claimed; when its lease expires it is taken up again.
            tracing::error!(%error, "could not record how the job ended");
        }
        self.running().remove(&job.id);
    }

    /// Runs `work` while a task of its own renews the job's lease every third of the lease.
    ///
    /// The renewal must not run in a `select!` arm beside `work`: while the arm awaits the
    /// single writer, `work` is not polled, so if `work` holds the writer (inside its store
    /// transaction) neither can go on until the pool's acquire timeout. As its own task
    /// the heartbeat waits for the writer like any other writer, and `work` goes on.
    pub(super) async fn with_lease<F: Future>(&self, job: &Job, work: F) -> F::Output {
        let heartbeat = tokio::spawn(
            renew_lease(
                self.0.db.clone(),
                job.id,
                job.attempts,
                self.0.settings.lease,
            )
            .in_current_span(),
        );
        // Also stops the heartbeat when `work` is dropped unfinished (shutdown).
        let _stop = AbortOnDrop(heartbeat.abort_handle());
        work.await
    }

    async fn settle(&self, job: &Job, outcome: Result<(), JobError>) -> Result<(), sqlx::Error> {
        let now = Timestamp::now();
        let db = &self.0.db;
        match outcome {
            Ok(()) => {
                tracing::info!("job done");
                Ok(())
            }
            Err(JobError::Retry {
                message,
                retry_after,
            }) if job.attempts < job.max_attempts => {
                let delay = self.backoff(job.attempts, retry_after);
                tracing::warn!(error = %message, retry_in = ?delay, "job will be retried");
                let run_at = now.plus(chrono::TimeDelta::from_std(delay).unwrap_or_default());
                db::jobs::retry_later(db, job.id, job.attempts, run_at, &message, now).await
            }
            Err(JobError::Retry { message, .. }) => {
                let message = format!("{message} (gave up after {} attempts)", job.attempts);
                tracing::warn!(error = %message, "job failed");
                db::jobs::fail(db.write(), job.id, job.attempts, &message, now).await
            }
            Err(JobError::Fail(message)) => {
                tracing::warn!(error = %message, "job failed");
                db::jobs::fail(db.write(), job.id, job.attempts, &message, now).await
            }
        }
    }

    /// Exponential backoff with jitter (half to all of the doubled delay), never sooner
    /// than the server's `Retry-After`.
    fn backoff(&self, attempts: i64, retry_after: Option<Duration>) -> Duration {
        let settings = &self.0.settings;
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
        let doubled = settings
            .retry_base
            .saturating_mul(2u32.saturating_pow(exponent));
        let capped = doubled.min(settings.retry_cap);
        let jittered = capped.mul_f64(rand::rng().random_range(0.5..=1.0));
        jittered.max(retry_after.unwrap_or_default())
    }

    /// Starts the workers; they run until [`Workers::shutdown`].
    pub fn start(&self) -> Workers {
        let (stop, stopped) = watch::channel(false);
        let mut set = JoinSet::new();
        for _ in 0..self.0.settings.concurrency {
            set.spawn(worker(self.clone(), stopped.clone()));
        }
        if let Some(listener) = db::jobs::QueuedListener::new(&self.0.db) {
            set.spawn(listen(self.clone(), listener, stopped.clone()));
        }
        tracing::info!(
            workers = self.0.settings.concurrency,
            offline = self.0.agent.is_offline(),
            model = self.0.agent.model_name(),
            "job workers started"
        );
        Workers {
            queue: self.clone(),
            set,
            stop,
        }
    }
}

/// Renews a claimed job's lease until aborted, or until the claim turns out to be lost.
async fn renew_lease(db: Db, id: JobId, attempt: i64, lease: Duration) {
    let mut ticks = tokio::time::interval(lease / 3);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let until = lease_end(Timestamp::now(), lease);
        match db::jobs::heartbeat(db.write(), id, attempt, until).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    "the job's lease expired and another worker took the job; \
                     this attempt's results will be discarded"
                );
                return;
            }
            Err(error) => tracing::warn!(%error, "could not renew the job's lease"),
        }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lease_end(now: Timestamp, lease: Duration) -> Timestamp {
    now.plus(chrono::TimeDelta::from_std(lease).unwrap_or_else(|_| chrono::TimeDelta::seconds(60)))
}

async fn worker(queue: JobQueue, mut stop: watch::Receiver<bool>) {
    let poll = queue.0.settings.poll_interval;
    while !*stop.borrow() {
        match queue.claim().await {
            Ok(Some(claimed)) => {
                // Another job may be waiting too: let an idle worker look.
                queue.wake();
                queue.execute(claimed).await;
            }
            Ok(None) => {
                tokio::select! {
                    () = queue.0.wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not claim a job");
                tokio::time::sleep(poll).await;
            }
        }
    }
}

/// Wakes a worker whenever any instance on the database queues a job (PostgreSQL), until
/// stopped. While the database's notifications cannot be heard, the workers still find
/// jobs by their poll; the listener keeps trying to connect again.
async fn listen(
    queue: JobQueue,
    mut listener: db::jobs::QueuedListener,
    mut stop: watch::Receiver<bool>,
) {
    const FIRST_RETRY: Duration = Duration::from_secs(1);
    const LONGEST_RETRY: Duration = Duration::from_secs(30);
    let mut retry = FIRST_RETRY;
    let mut failing = false;
    while !*stop.borrow() {
        let heard = tokio::select! {
            heard = listener.next() => heard,
            _ = stop.changed() => return,
        };
        match heard {
            Ok(()) => {
                if failing {
                    tracing::info!("hearing of jobs queued by other instances again");
                    failing = false;
                    retry = FIRST_RETRY;
                }
                queue.wake();
            }
            Err(error) => {
                if failing {
                    tracing::debug!(%error, "still not hearing of jobs queued by other instances");
                } else {
                    tracing::warn!(
                        %error,
                        poll = ?queue.0.settings.poll_interval,
                        "cannot hear of jobs queued by other instances; the workers look for \
                         jobs at each poll until the database's notifications are back"
                    );
                    failing = true;
                }
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = stop.changed() => return,
                }
                retry = (retry * 2).min(LONGEST_RETRY);
            }
        }
    }
}

/// The running workers.
pub struct Workers {
    queue: JobQueue,
    set: JoinSet<()>,
    stop: watch::Sender<bool>,
}

impl Workers {
    /// Stops claiming, lets running jobs finish within `grace`, and gives back (queued
    /// again) the jobs that did not; jobs never claimed stay queued.
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let finished = tokio::time::timeout(grace, async {
            while self.set.join_next().await.is_some() {}
        })
        .await;
        if finished.is_ok() {
            return;
        }
        self.set.abort_all();
        while self.set.join_next().await.is_some() {}
        let ids: Vec<JobId> = self.queue.running().drain().collect();
        let now = Timestamp::now();
        for id in ids {
            tracing::warn!(
                job = id.get(),
                "job did not finish before shutdown; queued again"
            );
            let db = self.queue.db();
            if let Err(error) = agent_runs::abandon_unfinished(db.write(), id, now).await {
                tracing::error!(%error, job = id.get(), "could not close the job's run");
            }
            if let Err(error) = db::jobs::release(db, id, now).await {
                tracing::error!(%error, job = id.get(), "could not give the job back to the queue");
            }
        }
    }
}
